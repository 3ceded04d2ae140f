-- The seed's archive of old plans: same columns, defaults, constraints and indexes as plans.
CREATE TABLE archived_plans (LIKE plans INCLUDING ALL);
