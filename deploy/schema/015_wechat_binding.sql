-- 015_wechat_binding.sql - WeChat official-account residents (issue 13):
-- a resident (the account's openid for them) bound to one compound, so that
-- later messages without an address are located by it; and which cases
-- their messages were, so that "查询" lists them and "评价" rates only
-- the resident's own case. Written only by the ledger's WechatResident
-- request (services/ledger/req_wechat.c) for the front-end of channel wechat.

CREATE TABLE wechat_bindings (
    openid        text PRIMARY KEY,
    compound_code text NOT NULL,
    bound_at      timestamptz NOT NULL DEFAULT now()
);

-- A message is one resident's; the case it became is the wechat case with
-- that channel id (cases' UNIQUE (channel, channel_id)). Linked before the
-- demand is submitted, so a case committed after WeChat's 5 seconds (the
-- gateway answered "success" meanwhile) is still the resident's.
CREATE TABLE wechat_messages (
    msg_id    text PRIMARY KEY,
    openid    text NOT NULL,
    linked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wechat_messages_by_openid ON wechat_messages (openid);

-- An openid ties one resident's cases together: personal data, kept from
-- the reports role like residents' names and phones (013). pg.sh calls
-- ld_grant_report() on every start and it grants every table: redefine it
-- to take these two back each time.
CREATE OR REPLACE FUNCTION ld_grant_report() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
    owner text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liandong_report') THEN
        RETURN;
    END IF;
    EXECUTE 'GRANT USAGE ON SCHEMA public TO liandong_report';
    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO liandong_report';
    EXECUTE 'REVOKE SELECT ON cases FROM liandong_report';
    EXECUTE 'REVOKE SELECT ON wechat_bindings, wechat_messages FROM liandong_report';
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
      FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'cases'
       AND column_name NOT IN ('resident_name', 'resident_phone');
    EXECUTE format('GRANT SELECT (%s) ON cases TO liandong_report', cols);
    SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases';
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT SELECT ON TABLES TO liandong_report', owner);
END $$;

SELECT ld_grant_report();
