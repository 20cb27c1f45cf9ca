package dev.strata.pipeline.recipe;

import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.eval.task.TextTask;
import dev.strata.pipeline.tailor.Variant;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a recipe measures its models on text that trained or calibrated them: a text task's file read by the
 * calibration (the file itself, or inside the calibration folder) or by a variant's fine-tuning, or a choice task a
 * variant was fine-tuned on, unless the two use opposite halves of it. Local globs are matched as Hadoop expands
 * them; remote paths (hdfs://, s3a://) cannot be compared and are not reported.
 */
public final class HeldOut {
    private HeldOut() {
    }

    /** The recipe's evaluated text tasks whose text was also trained or calibrated on, as "task (what read it)". */
    public static List<String> overlaps(Recipe recipe) {
        Path dataDir = Path.of(recipe.evaluate().get(EvalParams.DATA_DIR));
        DataHalf measured = recipe.evaluate().get(EvalParams.HALF);
        List<String> out = new ArrayList<>();
        for (Task t : Tasks.parse(String.join(",", recipe.evaluate().get(EvalParams.TASKS)))) {
            if (!(t instanceof TextTask)) {
                // a variant fine-tunes on the even-numbered examples of the choice tasks it names
                for (Variant v : recipe.variants()) {
                    List<String> trained = v.settings().get(Variant.TASKS);
                    if (trained != null && trained.contains(t.name()) && !disjoint(DataHalf.FIRST, measured)) {
                        out.add(t.name() + " (variant " + v.name() + ")");
                    }
                }
                continue;
            }
            Path text = dataDir.resolve(t.source());
            if (reads(recipe.run().get(RunParams.DATA), text) && !disjoint(recipe.run().get(RunParams.HALF), measured)) {
                out.add(t.name() + " (calibration)");
            }
            for (Variant v : recipe.variants()) {
                String file = v.settings().get(Variant.DATA);
                if (file != null && reads(file, text) && !disjoint(DataHalf.FIRST, measured)) {
                    out.add(t.name() + " (variant " + v.name() + ")");
                }
            }
        }
        return out;
    }

    /** True when two halves of a text share nothing: one is the first half and the other the second. */
    public static boolean disjoint(DataHalf a, DataHalf b) {
        return a != DataHalf.ALL && b != DataHalf.ALL && a != b;
    }

    /** True when {@code source} (a file or a folder) is a local path that holds {@code file}. */
    private static boolean reads(String source, Path file) {
        if (source == null) {
            return false;
        }
        if (source.matches(".*[*?\\[{].*")) {
            return globReads(source, file);
        }
        Path path = Path.of(source);
        try {
            URI uri = URI.create(source);
            if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
                return false;
            }
            if (uri.getScheme() != null) {
                // file:/abs, file:///abs, file://localhost/abs and file:relative alike
                path = Path.of(uri.isOpaque() ? uri.getSchemeSpecificPart() : uri.getPath());
            }
        } catch (IllegalArgumentException ex) {
            // not a URI (a space, a Windows path): a plain path
        }
        try {
            if (!Files.exists(path) || !Files.exists(file)) {
                return false;
            }
            Path real = path.toRealPath();
            Path target = file.toRealPath();
            return Files.isDirectory(real) ? target.startsWith(real) : Files.isSameFile(real, target);
        } catch (IOException ex) {
            return false;
        }
    }

    /**
     * True when a local glob ({@code *}, {@code ?}, {@code [..]}, {@code {a,b}}, as Hadoop reads them; a file: prefix
     * allowed) matches {@code file}, compared as absolute paths and as real paths.
     */
    private static boolean globReads(String glob, Path file) {
        String pattern = glob.startsWith("file://") ? glob.substring("file://".length())
                : glob.startsWith("file:") ? glob.substring("file:".length()) : glob;
        if (pattern.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            return false; // hdfs://, s3a://: not local
        }
        try {
            PathMatcher matcher = FileSystems.getDefault()
                    .getPathMatcher("glob:" + Path.of(pattern).toAbsolutePath().normalize());
            return Files.exists(file) && (matcher.matches(file.toAbsolutePath().normalize())
                    || matcher.matches(file.toRealPath()));
        } catch (IOException | IllegalArgumentException ex) {
            return false;
        }
    }
}
