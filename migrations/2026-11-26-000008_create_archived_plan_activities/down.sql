DROP TABLE archived_plan_activities;
