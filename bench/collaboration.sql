-- Bench data for planning together, on top of ../shared/bench/seed_bench.sql: every plan gets
-- ten members (the next ten users: six editors, four viewers) and a thousand changes, half of
-- them about its activities, spread over the last thirty days.
INSERT INTO plan_members (plan_id, user_id, role, invited_by, created_at)
SELECT p.id, ((p.user_id - 1 + k) % u.n) + 1, CASE WHEN k <= 6 THEN 'editor' ELSE 'viewer' END,
       p.user_id, now() - make_interval(days => 40 - k)
FROM plans p, generate_series(1, 10) k, (SELECT count(*)::int AS n FROM users) u;

INSERT INTO plan_changes (plan_id, user_id, activity_id, action, summary, created_at)
SELECT p.id,
       CASE WHEN c % 2 = 0 THEN p.user_id ELSE ((p.user_id - 1 + (c % 10) + 1) % u.n) + 1 END,
       CASE WHEN c % 2 = 0 THEN a.first_id + (c / 2) % 20 END,
       CASE WHEN c % 2 = 0 THEN 'activity_edited' ELSE 'plan_edited' END,
       'Change ' || c,
       now() - make_interval(secs => (1000 - c) * 2600)
FROM plans p
CROSS JOIN generate_series(1, 1000) c
CROSS JOIN (SELECT count(*)::int AS n FROM users) u
CROSS JOIN LATERAL (SELECT min(id) AS first_id FROM plan_activities WHERE plan_id = p.id) a;

ANALYZE plan_members;
ANALYZE plan_changes;
