using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AccreditationReporting.Storage.EntityConfigurations;

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> key)
    {
        // Written and read only by ASP.NET Core's key ring; each row is one key's XML, its secret
        // encrypted with the deployment's certificate.
        key.ToTable("data_protection_keys");
        key.HasKey(k => k.Id);
    }
}
