DROP TRIGGER plan_members_own_choice_only ON plan_members;
DROP FUNCTION plan_members_own_choice_only();
DROP POLICY members_own_choice ON plan_members;
