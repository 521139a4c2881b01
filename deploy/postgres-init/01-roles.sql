-- The DBA's one-time setup (README, "Database roles"), run by the postgres image as its superuser
-- when the data volume is first initialised, and never again.
-- accreditation_owner owns the database and runs the migrations; accreditation_service is the
-- service's login role, given its rows by the migrate step's grants and nothing more.
-- Passwords come from the container's environment (psql 15's \getenv), so they live in one place:
-- compose's variables, which also build the connection strings. An unset one stops the script.
\getenv owner_password ACCREDITATION_OWNER_PASSWORD
\getenv service_password ACCREDITATION_SERVICE_PASSWORD

CREATE ROLE accreditation_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE accreditation_service LOGIN PASSWORD :'service_password';
CREATE DATABASE accreditation OWNER accreditation_owner;
