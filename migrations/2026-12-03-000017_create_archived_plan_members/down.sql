DROP TABLE archived_plan_changes;
DROP TABLE archived_plan_members;
