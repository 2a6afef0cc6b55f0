"""SCBA (MKBA): the trajectories of the finished cohort in; per month, region and scenario the valuation (`model`)
and its tables out: overview, distribution over actors, sensitivity and Monte Carlo (`tables`), with every
parameter from config/scba_parameters.yaml (`parameters`). May import monitor, intake and the foundations."""
