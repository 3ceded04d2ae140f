DROP TABLE plan_members CASCADE;

DROP POLICY activities_delete ON plan_activities;
DROP POLICY activities_update ON plan_activities;
DROP POLICY activities_insert ON plan_activities;
DROP POLICY activities_read ON plan_activities;
CREATE POLICY activities_of_visible_plans ON plan_activities
    USING (EXISTS (SELECT 1 FROM plans WHERE plans.id = plan_activities.plan_id));

DROP TRIGGER plans_owner_columns_by_owner ON plans;
DROP FUNCTION plans_owner_columns_by_owner();
DROP POLICY plans_editor ON plans;
DROP POLICY plans_member ON plans;
DROP FUNCTION plan_owned(integer);
DROP FUNCTION plan_writable(integer);
DROP FUNCTION plan_member_role(integer);
