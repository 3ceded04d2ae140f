-- Archival moves a plan into archived_plans; its activities move here so nothing is lost.
CREATE TABLE archived_plan_activities (LIKE plan_activities INCLUDING ALL);
ALTER TABLE archived_plan_activities
    ADD CONSTRAINT archived_plan_activities_plan_id_fkey
    FOREIGN KEY (plan_id) REFERENCES archived_plans(id) ON DELETE CASCADE;
