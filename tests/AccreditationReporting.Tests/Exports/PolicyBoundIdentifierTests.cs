using AccreditationReporting.Tests.Fixtures;
using static AccreditationReporting.Tests.Exports.ExportEvents;

namespace AccreditationReporting.Tests.Exports;

/// <summary>
/// Identifiers follow the policy they were collected under (seed 002: "in accordance with the
/// privacy policy under which the information was collected"): a completion's rows carry only what
/// was sent under that completion's policy.
/// </summary>
public sealed class PolicyBoundIdentifierTests(ExportServiceFixture fixture) : IClassFixture<ExportServiceFixture>
{
    [Fact]
    public async Task AnNpiSentOnlyUnderMayoMedicalLaboratoriesIsInNoFile()
    {
        // The same learner, first through a platform under Mayo CME (no identifiers sent), then, later
        // and so the newest description of them, through one under Mayo Medical Laboratories, whose
        // policy shares nothing outside Mayo Clinic: that event carries an NPI and a licence.
        var npi = "9" + Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var licence = $"LAB-{Guid.NewGuid():N}"[..20];
        var board = $"B{Guid.NewGuid():N}"[..12];
        var underCme = Completion(NewActivity(), change: e =>
        {
            e["learner"]!["npi"] = null;
            e["learner"]!["licenseState"] = null;
            e["learner"]!["licenseId"] = null;
            e["learner"]!["boards"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["board"] = "ABIM", ["boardId"] = "CME-ABIM-1" });
            e["consents"]!["stateBoardReporting"] = true;
            e["consents"]!["boardReporting"] = true;
        });
        var underLabs = Completion(NewActivity(), "mayo-medical-laboratories-2014-12-17", e =>
        {
            e["learner"]!["learnerId"] = LearnerId(underCme);
            e["occurredAt"] = "2026-11-21T09:00:00Z";
            e["learner"]!["npi"] = npi;
            e["learner"]!["licenseState"] = "MN";
            e["learner"]!["licenseId"] = licence;
            e["learner"]!["boards"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["board"] = "ABIM", ["boardId"] = board });
            e["consents"]!["stateBoardReporting"] = true;
            e["consents"]!["boardReporting"] = true;
        });
        await fixture.StoreAsync(underCme, underLabs);

        var files = new Dictionary<string, ExportFile>();
        foreach (var recipient in new[] { "accme-pars-learners", "joint-provider/cme-consultants", "accme-pars-activities", "eaccme-events" })
        {
            var (_, file) = await fixture.CreateAndDownloadAsync(recipient);
            Assert.DoesNotContain(npi, file.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(licence, file.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(board, file.Text, StringComparison.Ordinal);
            files[recipient] = file;
        }

        // The Mayo CME completion went out, with what was collected under Mayo CME: the board ID it
        // sent, and no licence, since none came under that policy.
        var pars = Assert.Single(files["accme-pars-learners"].Rows, r => r["ACCME Activity ID"] == "202600123" && r["Certifying Board ID"] == "CME-ABIM-1");
        Assert.Equal("", pars["Licensing ID or NPI"]);
        var joint = Assert.Single(files["joint-provider/cme-consultants"].Rows, r => r["Record ID"] == EventId(underCme));
        Assert.Equal(("CME-ABIM-1", ""), (joint["Certifying Board ID"], joint["Licensing ID or NPI"]));

        // The completion under Mayo CME went out with what was collected under Mayo CME.
        var stored = await fixture.Service.Database.ColumnAsync<string>(
            """
            SELECT p.policy_version || ' ' || coalesce(p.npi, '-') FROM accreditation.learner_profiles p
            JOIN accreditation.learners l ON l.id = p.learner_key WHERE l.learner_id = @id ORDER BY p.policy_version
            """,
            ("id", LearnerId(underCme)));
        Assert.Equal(["mayo-cme-2018-06-15 -", $"mayo-medical-laboratories-2014-12-17 {npi}"], stored);
    }

    [Fact]
    public async Task EmailAndBirthYearAreNotStored()
    {
        var learner = Completion(NewActivity());
        await fixture.StoreAsync(learner);
        var columns = await fixture.Service.Database.ColumnAsync<string>(
            """
            SELECT table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema = 'accreditation' AND (column_name LIKE '%email%' OR column_name LIKE '%birth_year%')
            """);
        Assert.Empty(columns);
    }
}
