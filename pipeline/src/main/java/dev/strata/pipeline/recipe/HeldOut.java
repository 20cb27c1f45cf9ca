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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a recipe measures its models on text that trained or calibrated them: a text task's file read by the
 * calibration (the file itself, or inside the calibration folder) or by a variant's fine-tuning, or a choice task a
 * variant was fine-tuned on, unless the two use opposite halves of it. Paths that are not local files (hdfs://,
 * s3a://, globs) cannot be compared and are not reported.
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
        if (source == null || source.contains("*") || source.contains("?") || source.contains("[")) {
            return false;
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
}
