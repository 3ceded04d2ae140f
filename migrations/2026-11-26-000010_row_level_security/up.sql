-- Defence in depth: even a query that forgets its owner filter sees only rows the request
-- may see. Each request sets, for its transaction only:
--   app.user_id      the signed-in user  → their own plans, read and write
--   app.staff        'on' for staff pages → every plan
--   app.share_token  a share link's token → that one plan, read only
--   app.explore      'on' on the explore page → public, published plans, read only
-- FORCE applies the policies to the tables' owner (the app's role) too; superusers and
-- foreign-key cascades bypass them.
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;

CREATE POLICY plans_owner ON plans
    USING (user_id = nullif(current_setting('app.user_id', true), '')::integer);
CREATE POLICY plans_staff ON plans
    USING (current_setting('app.staff', true) = 'on');
CREATE POLICY plans_shared ON plans FOR SELECT
    USING (share_token IS NOT NULL AND share_token = current_setting('app.share_token', true));
CREATE POLICY plans_explore ON plans FOR SELECT
    USING (is_public AND status = 'published' AND current_setting('app.explore', true) = 'on');

-- An activity is visible exactly when its plan is (the subquery is itself filtered by the
-- policies of plans).
ALTER TABLE plan_activities ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_activities FORCE ROW LEVEL SECURITY;

CREATE POLICY activities_of_visible_plans ON plan_activities
    USING (EXISTS (SELECT 1 FROM plans WHERE plans.id = plan_activities.plan_id));
