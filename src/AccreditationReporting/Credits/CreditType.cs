namespace AccreditationReporting.Credits;

public enum CreditType
{
    AmaPraCategory1,
    Ecmec,
    Moc,
    Participation,
}
