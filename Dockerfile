# syntax=docker/dockerfile:1
# Not built here (no Docker engine on our machines or CI); kept correct by reading. See README.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore layer first: it changes only when package references do.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/AccreditationReporting.Contracts/AccreditationReporting.Contracts.csproj src/AccreditationReporting.Contracts/
COPY src/AccreditationReporting/AccreditationReporting.csproj src/AccreditationReporting/
RUN dotnet restore src/AccreditationReporting/AccreditationReporting.csproj

COPY protos/ protos/
COPY src/ src/
RUN dotnet publish src/AccreditationReporting/AccreditationReporting.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The aspnet image ships a non-root user; APP_UID is its numeric ID.
USER $APP_UID
# No listening address here. The base image sets ASPNETCORE_HTTP_PORTS=8080 (http on every
# interface), which the service refuses to start with: cleared, so the deployment names the endpoint,
# https with a certificate (Kestrel__Endpoints__Grpc__Url, __Certificate__Path, __Certificate__Password)
# or http behind a TLS-terminating proxy with Api__AllowCleartext=true (deploy/docker-compose.yml).
# Production: no embedded database, bus or tokens; a missing setting stops the start, naming it.
ENV ASPNETCORE_HTTP_PORTS="" \
    ASPNETCORE_ENVIRONMENT=Production
ENTRYPOINT ["dotnet", "AccreditationReporting.dll"]
