-- Wheelfarm schema v13: trusted publishing binds a project to its GitHub repository's ids.
--
-- An OIDC token names its repository twice: by owner/name (`repository`), which anyone can take
-- over once the repository is renamed, deleted or transferred, and by GitHub's numeric ids
-- (`repository_id`, `repository_owner_id`), which are never reused. Opt-in reads the repository
-- over git and never learns the ids, so the first OIDC token the farm accepts for a project
-- records them (trust on first use), and every later token must carry the same ids: a
-- repository re-created under the same name, or moved to another owner, is refused.

CREATE TABLE trusted_publisher (
    project_id              bigint      PRIMARY KEY REFERENCES project (id) ON DELETE CASCADE,
    github_repository_id    bigint      NOT NULL CHECK (github_repository_id > 0),
    github_owner_id         bigint      NOT NULL CHECK (github_owner_id > 0),
    -- owner/name as the binding token spelled it, for the operator reading this table
    repository              text        NOT NULL CHECK (length(repository) BETWEEN 3 AND 200),
    bound_at                timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE trusted_publisher IS
    'The GitHub repository and owner ids the first accepted OIDC token of a project carried; later tokens must match.';

-- The maintainer's reset: a project that opts in again (it left OPTED_IN and came back, or its
-- registered repository changed) forgets its binding, so the next accepted token binds anew.
-- Opting out and in again takes two reads of the repository's config, one without the project
-- and one with it, and leaves the DISABLED state on the project's page in between: a deliberate
-- act, not something a rename or a routine re-sync does. A trigger, so that the rule holds for
-- whichever code (or operator) changes the project row.
CREATE FUNCTION forget_trusted_publisher() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM trusted_publisher WHERE project_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER project_opted_in_again
    AFTER UPDATE OF optin_state, repository_id ON project
    FOR EACH ROW
    WHEN (NEW.optin_state = 'OPTED_IN'
          AND (OLD.optin_state <> 'OPTED_IN' OR OLD.repository_id IS DISTINCT FROM NEW.repository_id))
    EXECUTE FUNCTION forget_trusted_publisher();
