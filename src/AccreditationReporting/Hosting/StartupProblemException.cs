namespace AccreditationReporting.Hosting;

/// <summary>
/// A setting the service cannot start with. Its message is one line naming the setting and what is
/// wrong; <c>Program</c> prints it and exits, without a stack trace an operator has to read through.
/// </summary>
public sealed class StartupProblemException(string message) : Exception(message);
