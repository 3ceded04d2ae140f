-- The seed's UNIQUE constraints compare e-mails and usernames exactly; people do not.
-- Alice@Example.com and alice@example.com are one address, so one account.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
