-- 010_monthly_by_unit.sql - the monthly roll-ups by unit (and by body)
-- first, as the daily ones already are (004).
--
-- A subtree's figures over whole months probe figures_*_monthly once per
-- unit of the subtree. On the primary key (month, unit) each probe walked
-- every unit's rows of those months: the compounds of one district over a
-- year, 1,040 probes, took 0.9 s on the bench's million cases; by unit
-- first, each probe reads only its own dozen rows.
CREATE INDEX figures_unit_monthly_unit ON figures_unit_monthly (unit_code, month);
CREATE INDEX figures_body_monthly_body ON figures_body_monthly (body_id, month);
