"""Intake: a region's landing folder in; its accepted measurements, trajectory catalogue, quarantine, warnings and
ingest log out (`ingest.ingest_region`), every row read accounted for. Reading, header matching, the privacy scan,
parsing and the Pandera contract (checks/contract.py). May import the foundations (`llo.settings`, `llo.text`,
`llo.regions`, ...) and `checks.contract`; nothing of the later stages."""
