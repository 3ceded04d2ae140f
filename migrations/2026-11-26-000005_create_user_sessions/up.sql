-- Logged-in browser sessions, exactly as the seed's database design defines them.
-- session_key holds the SHA-256 hex of the cookie's key, never the key itself.
CREATE TABLE user_sessions (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_key VARCHAR(255) UNIQUE NOT NULL,
    session_data TEXT,

    ip_address INET,
    user_agent TEXT,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,

    is_active BOOLEAN DEFAULT TRUE
);

CREATE INDEX idx_sessions_user_id ON user_sessions(user_id);
CREATE INDEX idx_sessions_key ON user_sessions(session_key);
CREATE INDEX idx_sessions_expires ON user_sessions(expires_at);
