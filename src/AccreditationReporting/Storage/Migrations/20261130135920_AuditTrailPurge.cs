using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AccreditationReporting.Storage.Migrations
{
    /// <inheritdoc />
    public partial class AuditTrailPurge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The audit trail's retention purge. The service's role may not DELETE entries, and the
            // trigger refuses every change; this function, owned by the owning role that runs the
            // migrations (SECURITY DEFINER runs it with the owner's rights), is the one way entries
            // go: only the oldest ones, a gapless prefix 1..N of what is left, none younger than 6
            // years by the database's own clock (a later cut-off is lowered to that), never the
            // newest (the next append links to it), and with an anchor row (audit_purges) that the
            // first kept entry must link to. The verifier starts from that anchor
            // (Audit/AuditVerifier.cs says why the chain stays verifiable).
            //
            // The trigger knows the function's DELETE by a setting the function turns on around that
            // one statement (a transaction-local setting: PostgreSQL 15 lets only a superuser put an
            // extension-less setting in a function's SET clause). Any session could set it too, but only
            // the owner has DELETE at all, and the owner can disable the trigger anyway: the trigger
            // stops mistakes, the keyed chain shows deliberate changes.
            migrationBuilder.Sql(
                """
                CREATE OR REPLACE FUNCTION accreditation.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events'
                        AND current_setting('accreditation.audit_purge', true) = 'on' THEN
                        RETURN NULL;
                    END IF;
                    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
                END
                $$;

                CREATE TRIGGER audit_purges_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON accreditation.audit_purges
                    FOR EACH STATEMENT EXECUTE FUNCTION accreditation.refuse_audit_change();

                CREATE FUNCTION accreditation.purge_audit_trail(older_than timestamptz)
                    RETURNS TABLE (purged_through bigint, last_hash text, entries integer)
                    LANGUAGE plpgsql SECURITY DEFINER
                    SET search_path = pg_catalog, pg_temp
                AS $$
                DECLARE
                    through bigint;
                    through_hash text;
                    deleted integer;
                BEGIN
                    IF older_than IS NULL THEN
                        RAISE EXCEPTION 'purge_audit_trail needs a cut-off' USING ERRCODE = 'invalid_parameter_value';
                    END IF;

                    -- Accreditation records are kept 6 years, whatever the service's clock or settings say.
                    -- A later cut-off is lowered rather than refused: with Retention:AuditTrailYears at 6, a
                    -- service clock a little ahead of this one would otherwise fail every run. The anchor
                    -- records the cut-off used.
                    older_than := least(older_than, now() - interval '6 years');

                    -- The entries before the first one that is not older than the cut-off, short of the newest.
                    SELECT max(e.id) INTO through
                    FROM accreditation.audit_events e
                    WHERE e.id < least(
                        (SELECT min(k.id) FROM accreditation.audit_events k WHERE k.at >= older_than),
                        (SELECT max(h.id) FROM accreditation.audit_events h));
                    IF through IS NULL THEN
                        RETURN;
                    END IF;

                    SELECT e.hash INTO through_hash FROM accreditation.audit_events e WHERE e.id = through;
                    PERFORM set_config('accreditation.audit_purge', 'on', true);
                    DELETE FROM accreditation.audit_events e WHERE e.id <= through;
                    GET DIAGNOSTICS deleted = ROW_COUNT;
                    PERFORM set_config('accreditation.audit_purge', 'off', true);
                    INSERT INTO accreditation.audit_purges (purged_through, last_hash, entries, older_than, purged_at)
                    VALUES (through, through_hash, deleted, older_than, now());

                    purged_through := through;
                    last_hash := through_hash;
                    entries := deleted;
                    RETURN NEXT;
                END
                $$;

                -- Functions are executable by PUBLIC unless revoked; the service's role gets it with its grants.
                REVOKE EXECUTE ON FUNCTION accreditation.purge_audit_trail(timestamptz) FROM PUBLIC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                DROP FUNCTION accreditation.purge_audit_trail(timestamptz);
                DROP TRIGGER audit_purges_append_only ON accreditation.audit_purges;
                CREATE OR REPLACE FUNCTION accreditation.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
                END
                $$;
                """);
        }
    }
}
