DROP TABLE plan_activities;
