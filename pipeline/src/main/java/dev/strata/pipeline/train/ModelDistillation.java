package dev.strata.pipeline.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.ForwardOutput;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.forward.Scalars;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Stage 2 of CoMe's hierarchical distillation, end to end on the assembled student: every decoder layer is
 * trained (embeddings, final norm and head stay as they are) on KL(teacher || student) of the next-token
 * distributions plus the mean squared error of the hidden states at the group boundaries (student layer i's
 * output against the teacher's output of the last layer of group i).
 */
public final class ModelDistillation {
    private ModelDistillation() {
    }

    /** As a training task: every layer of the student, end to end (see {@link #train}). */
    public record Task(String name, int[] groupEnds, TrainableLayers.Part[] parts, double klWeight,
            double hiddenWeight, TrainSettings settings) implements TrainingTask {
        @Override
        public Trained train(LlamaModel teacher, LlamaModel student, Supplier<Iterator<TokenWindow>> epoch,
                int totalSteps) {
            return ModelDistillation.train(teacher, student, groupEnds, parts, klWeight, hiddenWeight, epoch,
                    settings, totalSteps, name);
        }
    }

    /**
     * @param groupEnds for every student layer i, the teacher layer count whose output it stands for (e.g. [1, 3, 5]
     *     for a 5-layer teacher whose layers 1 and 2 were merged); ascending, the last equal to the teacher's layers
     * @param parts for every student layer, the weights trained (the MLP alone of a feed-forward replacement, so
     *     that its zero attention stays zero)
     * @param klWeight weight of the KL term, {@code hiddenWeight} of the hidden-state term
     * @return every student layer, trained, by index
     */
    public static Trained train(LlamaModel teacher, LlamaModel student, int[] groupEnds, TrainableLayers.Part[] parts,
            double klWeight, double hiddenWeight, Supplier<Iterator<TokenWindow>> epoch, TrainSettings s,
            int totalSteps, String stage) {
        checkGroups(teacher, student, groupEnds);
        if (parts.length != groupEnds.length) {
            throw new IllegalArgumentException(parts.length + " parts for " + groupEnds.length + " layers");
        }
        NDManager weights = NDManager.newBaseManager(student.device(), Devices.engine().getEngineName());
        try {
            List<DecoderLayer> layers = new ArrayList<>();
            List<NDArray> parameters = new ArrayList<>();
            for (int i = 0; i < parts.length; i++) {
                DecoderLayer copy = TrainableLayers.copy(student.layers().get(i), weights, parts[i]);
                layers.add(copy);
                parameters.addAll(TrainableLayers.parameters(copy, parts[i]));
            }
            LlamaModel trainee = student.withLayers(layers);
            AdamW adam = new AdamW(parameters, s, totalSteps);
            TrainingLosses losses = TrainingLoop.run(epoch, s, totalSteps, stage, batch -> {
                try (NDManager scope = weights.newSubManager()) {
                    NDArray tokens = teacher.tokens(scope, batch.stream().map(TokenWindow::tokens).toList());
                    ForwardOutput t = teacher.forward(tokens, Capture.HIDDEN_AND_LOGITS);
                    double loss;
                    try (Autograd rec = Autograd.record()) {
                        ForwardOutput o = trainee.forward(tokens, Capture.HIDDEN_AND_LOGITS);
                        NDArray total = Scalars.times(kl(t.logits(), o.logits()), klWeight)
                                .add(Scalars.times(boundaryMse(t.hiddenStates(), o.hiddenStates(), groupEnds),
                                        hiddenWeight));
                        rec.backward(total);
                        loss = total.getFloat();
                    }
                    adam.step();
                    return loss;
                }
            });
            Map<Integer, DecoderLayer> byIndex = new HashMap<>();
            for (int i = 0; i < layers.size(); i++) {
                byIndex.put(i, layers.get(i));
            }
            return new Trained(byIndex, weights, losses);
        } catch (RuntimeException | Error ex) { // whatever failed, the weights' native memory is released
            weights.close();
            throw ex;
        }
    }

    /** Mean over positions of KL(teacher || student) of the next-token distributions. */
    static NDArray kl(NDArray teacherLogits, NDArray studentLogits) {
        NDArray t = teacherLogits.logSoftmax(-1);
        NDArray st = studentLogits.logSoftmax(-1);
        return t.exp().mul(t.sub(st)).sum(new int[] {-1}).mean();
    }

    /** Mean over the student's layers of the MSE between its output and the teacher's at the group's end. */
    static NDArray boundaryMse(List<NDArray> teacherHidden, List<NDArray> studentHidden, int[] groupEnds) {
        NDArray sum = null;
        for (int i = 0; i < groupEnds.length; i++) {
            NDArray mse = studentHidden.get(i + 1).sub(teacherHidden.get(groupEnds[i])).square().mean();
            sum = sum == null ? mse : sum.add(mse);
        }
        return Scalars.times(sum, 1.0 / groupEnds.length);
    }

    private static void checkGroups(LlamaModel teacher, LlamaModel student, int[] groupEnds) {
        int n = student.layers().size();
        if (groupEnds.length != n) {
            throw new StrataException("the plan describes " + groupEnds.length + " layers but the student has " + n);
        }
        for (int i = 0; i < n; i++) {
            if (groupEnds[i] < 1 || (i > 0 && groupEnds[i] <= groupEnds[i - 1])) {
                throw new StrataException("group ends must ascend from 1, got " + java.util.Arrays.toString(groupEnds));
            }
        }
        if (groupEnds[n - 1] != teacher.config().numLayers()) {
            throw new StrataException("the plan covers " + groupEnds[n - 1] + " teacher layers but the teacher has "
                    + teacher.config().numLayers());
        }
    }
}
