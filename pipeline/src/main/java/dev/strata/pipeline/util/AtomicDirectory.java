package dev.strata.pipeline.util;

import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Produces a directory all at once: content is written into a hidden sibling, which is renamed onto the
 * target only when complete. A crash or error never leaves a half-written target; the partial sibling is
 * removed on error.
 */
public final class AtomicDirectory {

    /** Writes the content of a directory. */
    @FunctionalInterface
    public interface Content {
        void writeInto(Path dir) throws IOException;
    }

    private AtomicDirectory() {
    }

    /**
     * Creates {@code target} with the content {@code content} writes. The target must not exist, or be an empty
     * directory.
     */
    public static void create(Path target, Content content) {
        Path absolute = target.toAbsolutePath().normalize();
        requireAbsentOrEmpty(absolute);
        Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial-" + UUID.randomUUID());
        try {
            Files.createDirectories(absolute.getParent());
            Files.createDirectory(partial);
            content.writeInto(partial);
            Files.deleteIfExists(absolute);
            Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            deleteQuietly(partial);
            throw new UncheckedIOException(target + ": cannot write: " + ex.getMessage(), ex);
        } catch (RuntimeException | Error ex) {
            deleteQuietly(partial);
            throw ex;
        }
    }

    /** Refuses a target that exists and is not an empty directory (before work that would be lost on refusal). */
    public static void requireAbsentOrEmpty(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new StrataException(dir + ": exists and is not a directory; choose another output path");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new StrataException(dir + ": already exists and is not empty; choose another output path or remove it");
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(dir + ": cannot list: " + ex.getMessage(), ex);
        }
    }

    /** Removes a file tree, ignoring errors (used to clean up after a failure). */
    public static void deleteQuietly(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: the partial directory is hidden and named as such
        }
    }
}
