// @generated automatically by Diesel CLI.

diesel::table! {
    archived_plan_activities (id) {
        id -> Int4,
        plan_id -> Int4,
        #[max_length = 200]
        title -> Varchar,
        description -> Nullable<Text>,
        #[max_length = 50]
        activity_type -> Nullable<Varchar>,
        #[max_length = 200]
        location_name -> Nullable<Varchar>,
        latitude -> Nullable<Numeric>,
        longitude -> Nullable<Numeric>,
        address -> Nullable<Text>,
        scheduled_date -> Nullable<Date>,
        start_time -> Nullable<Time>,
        end_time -> Nullable<Time>,
        duration_minutes -> Nullable<Int4>,
        estimated_cost -> Nullable<Numeric>,
        actual_cost -> Nullable<Numeric>,
        order_index -> Nullable<Int4>,
        is_completed -> Nullable<Bool>,
        metadata -> Nullable<Jsonb>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    archived_plans (id) {
        id -> Int4,
        user_id -> Int4,
        #[max_length = 200]
        title -> Varchar,
        description -> Nullable<Text>,
        #[max_length = 100]
        destination -> Nullable<Varchar>,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        budget -> Nullable<Numeric>,
        #[max_length = 3]
        currency -> Nullable<Varchar>,
        #[max_length = 20]
        status -> Nullable<Varchar>,
        plan_data -> Nullable<Jsonb>,
        is_public -> Nullable<Bool>,
        #[max_length = 100]
        share_token -> Nullable<Varchar>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deleted_items (id) {
        id -> Int4,
        user_id -> Int4,
        plan_id -> Int4,
        activity_id -> Nullable<Int4>,
        #[max_length = 255]
        title -> Varchar,
        plan_row -> Nullable<Jsonb>,
        activity_rows -> Jsonb,
        deleted_at -> Timestamptz,
    }
}

diesel::table! {
    plan_activities (id) {
        id -> Int4,
        plan_id -> Int4,
        #[max_length = 200]
        title -> Varchar,
        description -> Nullable<Text>,
        #[max_length = 50]
        activity_type -> Nullable<Varchar>,
        #[max_length = 200]
        location_name -> Nullable<Varchar>,
        latitude -> Nullable<Numeric>,
        longitude -> Nullable<Numeric>,
        address -> Nullable<Text>,
        scheduled_date -> Nullable<Date>,
        start_time -> Nullable<Time>,
        end_time -> Nullable<Time>,
        duration_minutes -> Nullable<Int4>,
        estimated_cost -> Nullable<Numeric>,
        actual_cost -> Nullable<Numeric>,
        order_index -> Nullable<Int4>,
        is_completed -> Nullable<Bool>,
        metadata -> Nullable<Jsonb>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    plan_changes (id) {
        id -> Int8,
        plan_id -> Int4,
        user_id -> Nullable<Int4>,
        activity_id -> Nullable<Int4>,
        #[max_length = 40]
        action -> Varchar,
        #[max_length = 300]
        summary -> Varchar,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    plan_invitations (id) {
        id -> Int4,
        plan_id -> Int4,
        #[max_length = 255]
        email -> Varchar,
        #[max_length = 20]
        role -> Varchar,
        #[max_length = 64]
        token_hash -> Varchar,
        invited_by -> Nullable<Int4>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Int4>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    plan_members (id) {
        id -> Int4,
        plan_id -> Int4,
        user_id -> Int4,
        #[max_length = 20]
        role -> Varchar,
        invited_by -> Nullable<Int4>,
        notify_changes -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    plans (id) {
        id -> Int4,
        user_id -> Int4,
        #[max_length = 200]
        title -> Varchar,
        description -> Nullable<Text>,
        #[max_length = 100]
        destination -> Nullable<Varchar>,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        budget -> Nullable<Numeric>,
        #[max_length = 3]
        currency -> Nullable<Varchar>,
        #[max_length = 20]
        status -> Nullable<Varchar>,
        plan_data -> Nullable<Jsonb>,
        is_public -> Nullable<Bool>,
        #[max_length = 100]
        share_token -> Nullable<Varchar>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limits (id) {
        id -> Int4,
        #[max_length = 255]
        identifier -> Varchar,
        #[max_length = 20]
        identifier_type -> Varchar,
        request_count -> Nullable<Int4>,
        last_request -> Nullable<Timestamp>,
        reset_date -> Nullable<Date>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_sessions (id) {
        id -> Int4,
        user_id -> Int4,
        #[max_length = 255]
        session_key -> Varchar,
        session_data -> Nullable<Text>,
        ip_address -> Nullable<Inet>,
        user_agent -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        expires_at -> Timestamp,
        is_active -> Nullable<Bool>,
    }
}

diesel::table! {
    users (id) {
        id -> Int4,
        #[max_length = 255]
        email -> Varchar,
        #[max_length = 150]
        username -> Varchar,
        #[max_length = 255]
        password_hash -> Varchar,
        #[max_length = 30]
        first_name -> Nullable<Varchar>,
        #[max_length = 30]
        last_name -> Nullable<Varchar>,
        is_active -> Nullable<Bool>,
        is_verified -> Nullable<Bool>,
        is_staff -> Nullable<Bool>,
        #[max_length = 100]
        google_id -> Nullable<Varchar>,
        #[max_length = 100]
        facebook_id -> Nullable<Varchar>,
        date_joined -> Nullable<Timestamp>,
        last_login -> Nullable<Timestamp>,
    }
}

diesel::joinable!(archived_plan_activities -> archived_plans (plan_id));
diesel::joinable!(deleted_items -> users (user_id));
diesel::joinable!(plan_activities -> plans (plan_id));
diesel::joinable!(plan_changes -> plans (plan_id));
diesel::joinable!(plan_changes -> users (user_id));
diesel::joinable!(plan_invitations -> plans (plan_id));
diesel::joinable!(plan_members -> plans (plan_id));
diesel::joinable!(plans -> users (user_id));
diesel::joinable!(user_sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    archived_plan_activities,
    archived_plans,
    deleted_items,
    plan_activities,
    plan_changes,
    plan_invitations,
    plan_members,
    plans,
    rate_limits,
    user_sessions,
    users,
);
