DROP TRIGGER plan_member_digests_start ON plan_members;
DROP FUNCTION plan_member_digests_start();
DROP TABLE plan_member_digests;
