DROP TABLE plans;
DROP FUNCTION update_updated_at_column();
