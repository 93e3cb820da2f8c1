-- 015_console_phone_index.sql - the web console's search by a resident's
-- phone (SearchCases, services/ledger/req_search.c; issue 14). Without an
-- index every phone search reads the whole cases table (90 ms at 100,000
-- cases, ten times that at a city's million). Partial: most channels'
-- cases carry no phone, and those rows cost the index nothing on insert.
CREATE INDEX IF NOT EXISTS cases_resident_phone ON cases (resident_phone, case_no)
    WHERE resident_phone <> '';
