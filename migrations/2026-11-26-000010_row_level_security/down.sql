DROP POLICY activities_of_visible_plans ON plan_activities;
ALTER TABLE plan_activities NO FORCE ROW LEVEL SECURITY;
ALTER TABLE plan_activities DISABLE ROW LEVEL SECURITY;

DROP POLICY plans_explore ON plans;
DROP POLICY plans_shared ON plans;
DROP POLICY plans_staff ON plans;
DROP POLICY plans_owner ON plans;
ALTER TABLE plans NO FORCE ROW LEVEL SECURITY;
ALTER TABLE plans DISABLE ROW LEVEL SECURITY;
