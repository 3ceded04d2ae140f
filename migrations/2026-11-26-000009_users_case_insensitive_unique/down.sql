DROP INDEX users_username_lower_key;
DROP INDEX users_email_lower_key;
