-- Plans, exactly as the seed's database design defines them.
CREATE TABLE plans (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,

    title VARCHAR(200) NOT NULL,
    description TEXT,
    destination VARCHAR(100),

    start_date DATE,
    end_date DATE,

    budget DECIMAL(10, 2),
    currency VARCHAR(3) DEFAULT 'USD',

    status VARCHAR(20) DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),

    plan_data JSONB DEFAULT '{}',

    is_public BOOLEAN DEFAULT FALSE,
    share_token VARCHAR(100) UNIQUE,

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT plans_date_check CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date),
    CONSTRAINT plans_budget_check CHECK (budget IS NULL OR budget >= 0)
);

CREATE INDEX idx_plans_user_id ON plans(user_id);
CREATE INDEX idx_plans_user_updated ON plans(user_id, updated_at DESC);
CREATE INDEX idx_plans_status ON plans(status);
CREATE INDEX idx_plans_public ON plans(is_public) WHERE is_public = TRUE;
CREATE INDEX idx_plans_share_token ON plans(share_token) WHERE share_token IS NOT NULL;
CREATE INDEX idx_plans_data ON plans USING GIN (plan_data);

CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$ language 'plpgsql';

CREATE TRIGGER update_plans_updated_at BEFORE UPDATE ON plans
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
