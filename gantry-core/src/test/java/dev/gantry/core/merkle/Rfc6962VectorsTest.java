package dev.gantry.core.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The independent transparency-dev vectors in ../shared/testdata/rfc6962: accept every good one, reject every bad one. */
class Rfc6962VectorsTest {
  /**
   * The vectors of ../shared/testdata/rfc6962 (transparency-dev, Apache 2.0), kept as test resources
   * so that the build does not depend on where the repository is checked out.
   */
  static Path vectors() {
    try {
      return Path.of(Rfc6962VectorsTest.class.getResource("/rfc6962/roots.json").toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void rootsMatchTheReferenceTrees() throws IOException {
    Map<String, Object> roots = Json.parseObject(Files.readString(vectors().resolve("roots.json")));
    List<String> inputs = Json.strings(roots, "leafInputsHex");
    List<String> expected = Json.strings(roots, "rootsBySize");
    for (int n = 0; n < expected.size(); n++) {
      List<byte[]> leaves = inputs.subList(0, n).stream().map(h -> MerkleTree.leafHash(Sha256.unhex(h))).toList();
      assertThat(Sha256.hex(MerkleTree.root(i -> leaves.get((int) i), n))).as("root of size %d", n).isEqualTo(expected.get(n));
      CompactRange r = new CompactRange();
      leaves.forEach(r::append);
      assertThat(Sha256.hex(r.root())).isEqualTo(expected.get(n));
    }
  }

  @Test
  void generatedProofsVerifyForEverySizeUpToSixtyFour() {
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      leaves.add(MerkleTree.leafHash(new byte[] {(byte) i}));
    }
    for (int n = 1; n <= 64; n++) {
      byte[] root = MerkleTree.root(i -> leaves.get((int) i), n);
      for (int m = 0; m < n; m++) {
        List<byte[]> proof = MerkleTree.inclusionProof(i -> leaves.get((int) i), m, n);
        assertThat(MerkleTree.verifyInclusion(m, n, leaves.get(m), proof, root)).as("inclusion %d in %d", m, n).isTrue();
        assertThat(MerkleTree.verifyInclusion(m, n, leaves.get((m + 1) % 64), proof, root)).isFalse();
      }
      for (int m = 1; m <= n; m++) {
        byte[] root1 = MerkleTree.root(i -> leaves.get((int) i), m);
        List<byte[]> proof = MerkleTree.consistencyProof(i -> leaves.get((int) i), m, n);
        assertThat(MerkleTree.verifyConsistency(m, n, root1, root, proof)).as("consistency %d..%d", m, n).isTrue();
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> inclusionVectors() throws IOException {
    return files("inclusion").map(f -> DynamicTest.dynamicTest(vectors().relativize(f).toString(), () -> {
      Map<String, Object> v = Json.parseObject(Files.readString(f));
      boolean ok = MerkleTree.verifyInclusion(uint64(v.get("leafIdx")), uint64(v.get("treeSize")),
          b64(v.get("leafHash")), hashes(v.get("proof")), b64(v.get("root")));
      assertThat(ok).as(String.valueOf(v.get("desc"))).isEqualTo(!(Boolean) v.get("wantErr"));
    }));
  }

  @TestFactory
  Stream<DynamicTest> consistencyVectors() throws IOException {
    return files("consistency").map(f -> DynamicTest.dynamicTest(vectors().relativize(f).toString(), () -> {
      Map<String, Object> v = Json.parseObject(Files.readString(f));
      boolean ok = MerkleTree.verifyConsistency(uint64(v.get("size1")), uint64(v.get("size2")),
          b64(v.get("root1")), b64(v.get("root2")), hashes(v.get("proof")));
      assertThat(ok).as(String.valueOf(v.get("desc"))).isEqualTo(!(Boolean) v.get("wantErr"));
    }));
  }

  private static Stream<Path> files(String dir) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(vectors().resolve(dir))) {
      all = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(all).as("vectors under " + dir).hasSizeGreaterThan(10);
    return all.stream();
  }

  /** Vectors use uint64; values beyond a Java long (e.g. 2^64-1) are mapped to -1, which every verifier rejects. */
  private static long uint64(Object o) {
    return o instanceof Long l ? l : -1;
  }

  private static byte[] b64(Object o) {
    return o == null ? null : Base64.getDecoder().decode((String) o);
  }

  private static List<byte[]> hashes(Object o) {
    if (o == null) {
      return List.of();
    }
    return ((List<?>) o).stream().map(Rfc6962VectorsTest::b64).toList();
  }
}
