package dev.strata.pipeline.compress;

import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.train.LayerDistillation;
import dev.strata.pipeline.train.ModelDistillation;
import dev.strata.pipeline.train.TrainSettings;
import dev.strata.pipeline.train.TrainableLayers;
import dev.strata.pipeline.train.TrainingTask;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * CoMe's hierarchical distillation of a compressed student from the run's original model, for any plan. Stage 1:
 * every changed layer (merged, replaced, folded) in its own task learns to map the teacher's hidden state at the
 * start of the layers it stands for to the one at their end (MSE). Stage 2: one task trains every layer end to end on
 * the teacher's next-token distributions (KL) plus the hidden states at every layer's boundary (MSE).
 */
public final class Distillation {
    public static final Param<Integer> SAMPLES = Param.integer("distill.samples", null,
            "Training windows drawn from the calibration text (default: the calibration windows).")
            .flag("--train-samples").label("K").check(Param.atLeast(1));
    public static final Param<Integer> BATCH = Param.integer("distill.batch", 8, "Windows per optimiser step.")
            .flag("--train-batch").label("B").check(Param.atLeast(1));
    public static final TrainingParams LAYERS = TrainingParams.of("distill.layers.", "", 1, 0, 2e-4, 5e-5);
    public static final TrainingParams MODEL = TrainingParams.of("distill.model.", "stage2-", 1, 0, 1e-4, 1e-5);
    public static final Param<Double> KL_WEIGHT = Param.number("distill.model.kl_weight", 1.0,
            "Weight of the logit KL in stage 2.").label("W").check(Param.nonNegative());
    public static final Param<Double> HIDDEN_WEIGHT = Param.number("distill.model.hidden_weight", 1.0,
            "Weight of the boundary hidden-state MSE in stage 2.").label("W").check(Param.nonNegative());
    public static final Params PARAMS = Params.of(SAMPLES, BATCH).and(LAYERS.params()).and(MODEL.params())
            .and(KL_WEIGHT, HIDDEN_WEIGHT);

    /**
     * @param layers stage 1, null to skip it; {@code model} stage 2, null to skip it
     * @param samples training windows, null for the calibration windows
     */
    public record Stages(TrainSettings layers, TrainSettings model, double klWeight, double hiddenWeight,
            Integer samples) {
        public boolean isNone() {
            return layers == null && model == null;
        }
    }

    private Distillation() {
    }

    /** The stages the settings ask for. */
    public static Stages read(Settings s) {
        int batch = s.get(BATCH);
        return new Stages(LAYERS.read(s, batch), MODEL.read(s, batch), s.get(KL_WEIGHT), s.get(HIDDEN_WEIGHT),
                s.get(SAMPLES));
    }

    /**
     * Distills {@code student} (stored as {@code name}-stage1, then {@code name}).
     *
     * @return the models of the stages that ran, in order (empty when both are skipped)
     */
    public static List<StoredModel> run(CompressionRun run, String name, StoredModel student, Stages d) {
        Plan plan = student.plan();
        List<StoredModel> out = new ArrayList<>();
        StoredModel current = student;
        List<Integer> changed = IntStream.range(0, plan.layers().size()).filter(i -> plan.layers().get(i).isChanged())
                .boxed().toList();
        if (d.layers() != null && !changed.isEmpty()) {
            List<TrainingTask> tasks = new ArrayList<>();
            for (int i : changed) {
                int[] group = plan.group(i);
                tasks.add(new LayerDistillation.Task("distill layer " + i + " (teacher " + group[0] + ".." + (group[1] - 1)
                        + ")", i, plan.layers().get(i).kind().trainedPart(), group[0], group[1], d.layers()));
            }
            current = run.train(d.model() == null ? name : name + "-stage1", current, tasks, d.samples());
            out.add(current);
        }
        if (d.model() != null) {
            int[] groupEnds = IntStream.range(0, plan.layers().size()).map(i -> plan.group(i)[1]).toArray();
            TrainableLayers.Part[] parts = plan.layers().stream().map(l -> l.kind().trainedPart())
                    .toArray(TrainableLayers.Part[]::new);
            current = run.train(name, current, List.of(new ModelDistillation.Task("distill model", groupEnds, parts,
                    d.klWeight(), d.hiddenWeight(), d.model())), d.samples());
            out.add(current);
        }
        return out;
    }
}
