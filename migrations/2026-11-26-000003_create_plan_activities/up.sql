-- Plan activities, exactly as the seed's database design defines them.
CREATE TABLE plan_activities (
    id SERIAL PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,

    title VARCHAR(200) NOT NULL,
    description TEXT,
    activity_type VARCHAR(50),

    location_name VARCHAR(200),
    latitude DECIMAL(10, 8),
    longitude DECIMAL(11, 8),
    address TEXT,

    scheduled_date DATE,
    start_time TIME,
    end_time TIME,
    duration_minutes INTEGER,

    estimated_cost DECIMAL(10, 2),
    actual_cost DECIMAL(10, 2),

    order_index INTEGER DEFAULT 0,
    is_completed BOOLEAN DEFAULT FALSE,

    metadata JSONB DEFAULT '{}',

    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_activities_plan_id ON plan_activities(plan_id);
CREATE INDEX idx_activities_plan_order ON plan_activities(plan_id, order_index);
CREATE INDEX idx_activities_type ON plan_activities(activity_type);
CREATE INDEX idx_activities_location ON plan_activities(latitude, longitude) WHERE latitude IS NOT NULL AND longitude IS NOT NULL;
