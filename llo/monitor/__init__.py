"""Monitor: the stored measurements in; per region one trajectory per participant (`trajectories`), per month the
KPI tables and paired change scores against the targets and the region context (`kpi`, `change_scores`), and each
region's kept part of them (`region_results`) out. May import intake and the foundations."""
