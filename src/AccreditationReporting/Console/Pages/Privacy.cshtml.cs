using System.Globalization;
using AccreditationReporting.Api;
using AccreditationReporting.Audit;
using AccreditationReporting.Completions;
using AccreditationReporting.Privacy;
using AccreditationReporting.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AccreditationReporting.StaffConsole.Pages;

/// <summary>
/// The privacy office's learner rights, as the API's PrivacyService: find a learner by ID (whether
/// anything is stored, no personal data shown), download their access copy, rectify, erase. Every
/// action needs the request reference that says the requester's identity was verified, and is
/// audited as the API audits it, with the signed-in actor.
/// </summary>
[Authorize(Policy = ConsolePolicies.ExerciseLearnerRights)]
internal sealed class PrivacyModel(
    ReportingDbContext db, AccessCopies accessCopies, LearnerRectification rectification, LearnerErasure erasure,
    AuditTrail trail, CallAudit audit, IAuthorizationService authorization)
    : ConsolePage(audit, authorization)
{
    public enum Holding { Nothing, OnlyRejectedEvents, Stored }

    public string? LearnerId { get; private set; }

    /// <summary>Null until a valid learner ID was looked up.</summary>
    public Holding? Found { get; private set; }

    public RectificationOutcome? Rectified { get; private set; }

    public ErasureOutcome? Erased { get; private set; }

    /// <summary>Which of the page's forms the errors belong to: they are shown next to that form's fields.</summary>
    public string? FailedForm { get; private set; }

    public string? Error(string field) => ModelState[field]?.Errors.FirstOrDefault()?.ErrorMessage;

    public IActionResult OnGet() => Page();

    public async Task<IActionResult> OnPostFindAsync([FromForm(Name = "learner_id")] string? learnerId)
    {
        await FindAsync(learnerId ?? string.Empty);
        return Page();
    }

    public async Task<IActionResult> OnPostAccessCopyAsync(
        [FromForm(Name = "learner_id")] string? learnerId, [FromForm(Name = "request_reference")] string? reference)
    {
        if (!Checked("access-copy", learnerId, reference))
        {
            await FindAsync(learnerId);
            return Page();
        }

        Audit.Details["request_reference"] = reference!;
        var copy = await accessCopies.BuildAsync(learnerId!, reference!, HttpContext.RequestAborted);
        if (copy is null)
        {
            await RecordAsync(AuditActions.LearnerAccessCopy, AuditInterceptor.StatusName(Grpc.Core.StatusCode.NotFound));
            await FindAsync(learnerId);
            return Page();
        }

        if (copy.LearnerKey is { } key)
        {
            Audit.Target = AuditEntry.Learner(key);
        }

        await RecordAsync(AuditActions.LearnerAccessCopy, sha256: copy.Sha256);

        // Named by the learner key: the publisher's learner ID stays out of file names and download folders.
        var name = copy.LearnerKey is { } learnerKey
            ? $"access-copy-learner-{learnerKey.ToString(CultureInfo.InvariantCulture)}.json"
            : $"access-copy-{copy.GeneratedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json";
        return File(copy.Document, "application/json", name);
    }

    public async Task<IActionResult> OnPostRectifyAsync(
        [FromForm(Name = "learner_id")] string? learnerId, [FromForm(Name = "request_reference")] string? reference,
        [FromForm(Name = "first_name")] string? firstName, [FromForm(Name = "last_name")] string? lastName,
        [FromForm(Name = "birth_month")] int? birthMonth, [FromForm(Name = "birth_day")] int? birthDay,
        [FromForm(Name = "license_state")] string? licenseState, [FromForm(Name = "license_id")] string? licenseId,
        [FromForm(Name = "npi")] string? npi, [FromForm(Name = "board")] string? board, [FromForm(Name = "board_id")] string? boardId,
        [FromForm(Name = "policy_version")] string? policyVersion)
    {
        var valid = Checked("rectify", learnerId, reference);
        var boards = board is null && boardId is null ? [] : new List<(string, string)> { (board ?? string.Empty, boardId ?? string.Empty) };
        var (correction, problems) = Rectifications.Check(new AskedCorrection(
            policyVersion, firstName, lastName, birthMonth, birthDay, licenseState, licenseId, npi, boards));
        foreach (var problem in problems)
        {
            // The form has one board: its fields carry the API's names without the index.
            ModelState.AddModelError(problem.Field.Replace("board_ids[0].", string.Empty, StringComparison.Ordinal), Sentence(problem));
        }

        if (!valid || correction is null || !ModelState.IsValid)
        {
            FailedForm = "rectify";
            await FindAsync(learnerId);
            return Page();
        }

        // The rectification writes its own entry, with the correction, in its transaction.
        Audit.Details["request_reference"] = reference!;
        Rectified = await rectification.RectifyAsync(learnerId!, reference!, correction, Audit.Actor, HttpContext.RequestAborted);
        if (Rectified is null)
        {
            await RecordAsync(AuditActions.LearnerRectify, AuditInterceptor.StatusName(Grpc.Core.StatusCode.NotFound));
        }

        await FindAsync(learnerId);
        return Page();
    }

    public async Task<IActionResult> OnPostEraseAsync(
        [FromForm(Name = "learner_id")] string? learnerId, [FromForm(Name = "request_reference")] string? reference, bool confirm)
    {
        var valid = Checked("erase", learnerId, reference);
        if (!confirm)
        {
            FailedForm = "erase";
            ModelState.AddModelError("confirm", "Tick the box to confirm the erasure: it cannot be undone.");
        }

        if (!valid || !confirm)
        {
            await FindAsync(learnerId);
            return Page();
        }

        // The erasure writes its own entry, with what it erased, in its transaction.
        Audit.Details["request_reference"] = reference!;
        Erased = await erasure.EraseAsync(learnerId!, reference!, Audit.Actor, HttpContext.RequestAborted);
        if (Erased is null)
        {
            await RecordAsync(AuditActions.LearnerErase, AuditInterceptor.StatusName(Grpc.Core.StatusCode.NotFound));
        }

        await FindAsync(learnerId);
        return Page();
    }

    /// <summary>The learner ID and the request reference every action needs; problems go next to the fields of <paramref name="form"/>.</summary>
    private bool Checked(string form, string? learnerId, string? reference)
    {
        if (ExternalId.Problem(learnerId ?? string.Empty) is { } learnerIdProblem)
        {
            ModelState.AddModelError("learner_id", $"The learner ID {learnerIdProblem}.");
        }

        if (PrivacyApi.ReferenceProblem(reference) is { } referenceProblem)
        {
            ModelState.AddModelError("request_reference", $"The request reference {referenceProblem}.");
        }

        if (!ModelState.IsValid)
        {
            FailedForm = form;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Whether anything is stored about the learner, and nothing else. Finding reads only the
    /// learner's key and whether rejected events name them, and is audited as a learner record read.
    /// </summary>
    private async Task FindAsync(string? learnerId)
    {
        if (learnerId is null)
        {
            return;
        }

        if (ExternalId.Problem(learnerId) is { } problem)
        {
            if (ModelState["learner_id"] is not { Errors.Count: > 0 })
            {
                ModelState.AddModelError("learner_id", $"The learner ID {problem}.");
            }

            return;
        }

        LearnerId = learnerId;
        var key = await db.Learners.AsNoTracking().Where(l => l.LearnerId == learnerId)
            .Select(l => (long?)l.Id).SingleOrDefaultAsync(HttpContext.RequestAborted);
        var rejected = key is null && await db.RejectedEvents.AsNoTracking().AnyAsync(r => r.LearnerId == learnerId, HttpContext.RequestAborted);
        Found = key is not null ? Holding.Stored : rejected ? Holding.OnlyRejectedEvents : Holding.Nothing;

        // Its own entry: an action on the same request records its own under the call's audit.
        await trail.AppendAsync(
            new AuditEntry(Audit.Actor, AuditActions.LearnerRecordRead, AuditOutcomes.Ok, key is { } found ? AuditEntry.Learner(found) : null)
            {
                Details = new Dictionary<string, string> { ["found"] = Describe(Found.Value), ["via"] = "console" },
            },
            HttpContext.RequestAborted);
    }

    public static string Describe(Holding holding) => holding switch
    {
        Holding.Stored => "learner stored",
        Holding.OnlyRejectedEvents => "only rejected events",
        _ => "nothing",
    };

    private static string Sentence(FieldProblem problem) => problem.Field switch
    {
        _ when problem.Problem.StartsWith("nothing to correct", StringComparison.Ordinal) => "Nothing to correct: give at least one corrected value.",
        _ => $"{Label(problem.Field)} {problem.Problem.Replace("birth_month", "the birth month", StringComparison.Ordinal)}.",
    };

    public static string Label(string field) => field switch
    {
        "policy_version" => "The policy version",
        "first_name" => "The first name",
        "last_name" => "The last name",
        "birth_month" => "The birth month",
        "birth_day" => "The birth day",
        "license_state" => "The licence state",
        "license_id" => "The licence ID",
        "npi" => "The NPI",
        "board_ids[0].board" => "The board",
        "board_ids[0].board_id" => "The board ID",
        _ => field,
    };
}
