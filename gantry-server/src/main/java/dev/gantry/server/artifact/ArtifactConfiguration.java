package dev.gantry.server.artifact;

import dev.gantry.core.artifact.ArtifactStamper;
import dev.gantry.core.artifact.RequirementLinks;
import dev.gantry.core.provenance.EcKey;
import dev.gantry.server.system.GantryProperties;
import dev.gantry.store.ArtifactQueries;
import dev.gantry.store.BlobStore;
import dev.gantry.store.DataDirectory;
import dev.gantry.store.Database;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans of the artifact feature. */
@Configuration(proxyBeanMethods = false)
class ArtifactConfiguration {
  /** An archive may expand to this multiple of the upload cap; beyond that it is treated as a bomb. */
  static final int EXPANSION_FACTOR = 4;
  /** A jar of a large service has tens of thousands of entries; a million is an attack. */
  static final int MAX_ENTRIES = 200_000;

  @Bean
  BlobStore blobStore(DataDirectory dir) {
    return new BlobStore(dir.blobs());
  }

  @Bean
  ArtifactQueries artifactQueries(Database db) {
    return new ArtifactQueries(db);
  }

  @Bean
  EcKey provenanceKey(DataDirectory dir) {
    return dir.provenanceKey();
  }

  @Bean
  ArtifactStamper artifactStamper(GantryProperties props) {
    return new ArtifactStamper(props.maxArtifactBytes() * EXPANSION_FACTOR, MAX_ENTRIES);
  }

  @Bean
  RequirementLinks requirementLinks(GantryProperties props) {
    return new RequirementLinks(props.requirementPatterns());
  }
}
