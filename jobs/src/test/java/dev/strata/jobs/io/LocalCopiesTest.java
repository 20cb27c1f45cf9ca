package dev.strata.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model cache folder stays under its size limit, removing the least recently used copies first. */
class LocalCopiesTest {
    @TempDir
    Path root;

    @AfterEach
    void clearLimit() {
        System.clearProperty(LocalCopies.LIMIT_PROPERTY);
    }

    /** A copy left by another JVM, last used {@code minutesAgo}. */
    private void earlier(String key, int bytes, int minutesAgo) throws Exception {
        Path dir = Files.createDirectories(root.resolve(key));
        Files.write(dir.resolve("model.safetensors"), new byte[bytes]);
        Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis() - minutesAgo * 60_000L));
    }

    private List<String> left() throws Exception {
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.map(d -> d.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void addingACopyRemovesTheLeastRecentlyUsedOnesBeyondTheLimit() throws Exception {
        System.setProperty(LocalCopies.LIMIT_PROPERTY, "2500");
        earlier("old", 1000, 30);
        earlier("older", 1000, 60);
        earlier("recent", 1000, 1);
        LocalCopies copies = new LocalCopies(root, "model");

        Path added = copies.use("new", dir -> Files.write(dir.resolve("model.safetensors"), new byte[1000]));

        assertTrue(Files.isRegularFile(added.resolve("model.safetensors")));
        assertEquals(List.of("new", "recent"), left(), "2 of 4 kB fit: the two used last stay");
    }

    @Test
    void aUseMarksTheCopyRecentlyUsed() throws Exception {
        System.setProperty(LocalCopies.LIMIT_PROPERTY, "2500");
        earlier("a", 1000, 60);
        earlier("b", 1000, 30);
        LocalCopies copies = new LocalCopies(root, "model");
        copies.use("a", dir -> {
            throw new AssertionError("a is there: no copy");
        });
        LocalCopies other = new LocalCopies(root, "model"); // another JVM: a is not in use there
        other.use("c", dir -> Files.write(dir.resolve("model.safetensors"), new byte[1000]));
        assertEquals(List.of("a", "c"), left());
    }

    @Test
    void copiesUsedInThisJvmAndTheNewOneStayEvenBeyondTheLimit() throws Exception {
        System.setProperty(LocalCopies.LIMIT_PROPERTY, "10");
        earlier("used", 1000, 60);
        earlier("unused", 1000, 30);
        LocalCopies copies = new LocalCopies(root, "model");
        copies.use("used", dir -> {
        });
        Files.setLastModifiedTime(root.resolve("used"), FileTime.fromMillis(0)); // as if used long ago

        copies.use("new", dir -> Files.write(dir.resolve("model.safetensors"), new byte[1000]));

        assertEquals(List.of("new", "used"), left());
        assertFalse(left().stream().anyMatch(n -> n.startsWith(".")), "no half-removed folders left");
    }
}
