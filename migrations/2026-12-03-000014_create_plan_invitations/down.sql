DROP POLICY members_join ON plan_members;
DROP POLICY plans_invited ON plans;
DROP TABLE plan_invitations;
DROP FUNCTION plan_invitation_open(integer);
