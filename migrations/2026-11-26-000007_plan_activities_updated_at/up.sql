-- The seed keeps plans.updated_at current with a trigger but left plan_activities out;
-- activities use updated_at as their edit version too, so they need the same trigger.
CREATE TRIGGER update_plan_activities_updated_at BEFORE UPDATE ON plan_activities
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
