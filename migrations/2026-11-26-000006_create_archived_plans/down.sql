DROP TABLE archived_plans;
