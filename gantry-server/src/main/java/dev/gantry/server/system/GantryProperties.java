package dev.gantry.server.system;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Server settings ({@code gantry.*}).
 *
 * @param dataDir where the SQLite ledger, the signing key and the bootstrap token live
 * @param databaseUrl a {@code jdbc:postgresql:} URL to keep the ledger in PostgreSQL instead of SQLite
 * @param origin the checkpoint origin line on first start (default: gantry.local/ and 8 random hex digits)
 * @param checkpointInterval how often a checkpoint is signed while events arrive (at most a minute)
 * @param maxRequestBytes JSON request bodies larger than this are refused with 413
 * @param maxDocumentBytes the cap for requests that carry documents (artifact registration with its SBOM,
 *     test reports)
 * @param maxArtifactBytes the cap for artifact uploads; archives may expand to 4 times this, no more
 * @param requirementPatterns regular expressions that find requirement ids in commit messages
 * @param routerBind the router's listen address
 * @param routerPort the router's port (0: any free one; printed at start)
 * @param driftCheckInterval how often every running artifact copy is re-hashed
 */
@ConfigurationProperties("gantry")
public record GantryProperties(
    @DefaultValue("${user.home}/.gantry/data") Path dataDir,
    String databaseUrl,
    String origin,
    @DefaultValue("30s") Duration checkpointInterval,
    @DefaultValue("65536") long maxRequestBytes,
    @DefaultValue("33554432") long maxDocumentBytes,
    @DefaultValue("1073741824") long maxArtifactBytes,
    @DefaultValue({"\\b[A-Z][A-Z0-9]+-[0-9]+\\b", "(?<![\\w&])#[0-9]+\\b"}) java.util.List<String> requirementPatterns,
    @DefaultValue("127.0.0.1") String routerBind,
    @DefaultValue("8681") int routerPort,
    @DefaultValue("30s") Duration driftCheckInterval) {}
