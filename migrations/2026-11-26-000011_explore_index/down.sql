DROP INDEX idx_plans_explore;
