-- The index mirror local/stores.py installs in make dev's and the tests' PostgreSQL clusters
-- (why: the comment above MIRROR_SQL there, and docs/local-store.md).
CREATE OR REPLACE FUNCTION tradetrack_mirror(btree oid) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  idx record;
  key text;
  definition text;
BEGIN
  SELECT i.indrelid, i.indnatts, i.indisunique, i.indpred IS NOT NULL AS partial, t.relname AS tablename,
         am.amname INTO idx
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_am am ON am.oid = c.relam
   WHERE i.indexrelid = btree;
  IF NOT FOUND OR idx.amname <> 'btree' THEN
    RETURN;
  END IF;
  FOR k IN 1..1 LOOP
    key := pg_get_indexdef(btree, k, true);
    CONTINUE WHEN key NOT LIKE '%\_jsonb -> %';
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((%s) jsonb_path_ops) WITH (fastupdate = off)',
      left(idx.tablename, 40) || '_gin_' || substr(md5(key), 1, 12), idx.indrelid::regclass, key
    );
  END LOOP;
  -- A non-unique btree of FerretDB's answers none of its queries (containment above; `=` only on
  -- `_id`, whose index is unique) and costs every insert: it is replaced by an empty one of the same
  -- name and keys (`WHERE false`), which FerretDB can still list and drop. Unique ones stay whole:
  -- they enforce uniqueness (docs/local-store.md, "Non-unique btrees left empty").
  IF NOT idx.indisunique AND NOT idx.partial AND pg_get_indexdef(btree, 1, true) LIKE '%\_jsonb -> %' THEN
    definition := pg_get_indexdef(btree);
    EXECUTE format('DROP INDEX %s', btree::regclass);
    EXECUTE definition || ' WHERE false';
  END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION tradetrack_mirror_created() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM tradetrack_mirror(cmd.objid);
  END LOOP;
END
$fn$;

CREATE OR REPLACE FUNCTION tradetrack_mirror_all() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  btree oid;
BEGIN
  FOR btree IN
    SELECT i.indexrelid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam JOIN pg_class t ON t.oid = i.indrelid
     WHERE am.amname = 'btree' AND t.relnamespace IN (
       SELECT relnamespace FROM pg_class WHERE relname = '_ferretdb_database_metadata')
  LOOP
    PERFORM tradetrack_mirror(btree);
  END LOOP;
END
$fn$;

DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'tradetrack_mirror') THEN
    CREATE EVENT TRIGGER tradetrack_mirror ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
      EXECUTE FUNCTION tradetrack_mirror_created();
  END IF;
END
$do$;

SELECT tradetrack_mirror_all();
