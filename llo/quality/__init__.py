"""Data quality beyond the contract: aggregate views of the stored tables in; plausibility rules (`plausibility`) run
as Great Expectations suites, their outcomes and the Data Docs site out (`expectations`). May import scba, monitor,
intake and the foundations."""
