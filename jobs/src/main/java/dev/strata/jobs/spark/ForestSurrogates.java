package dev.strata.jobs.spark;

import dev.strata.pipeline.tailor.Surrogate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Random-forest surrogates (Spark MLlib's RandomForestRegressor, as SMAC uses a forest): the prediction's mean and
 * spread are those of the trees. The training rows sit in one partition, so a forest depends on its seed and data
 * alone, never on how many cores the cluster has: a resumed search proposes what the first run did.
 */
final class ForestSurrogates implements Surrogate.Fitter {
    static final int TREES = 32;
    private static final StructType SCHEMA = new StructType().add("label", DataTypes.DoubleType, false)
            .add("features", new VectorUDT(), false);

    private final SparkSession spark;

    ForestSurrogates(SparkSession spark) {
        this.spark = spark;
    }

    @Override
    public Surrogate fit(List<double[]> features, double[] costs, long seed) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < costs.length; i++) {
            rows.add(RowFactory.create(costs[i], Vectors.dense(features.get(i))));
        }
        RandomForestRegressionModel forest = new RandomForestRegressor().setNumTrees(TREES).setSeed(seed)
                .setMaxDepth(12).setMinInstancesPerNode(1).setFeatureSubsetStrategy("onethird")
                .fit(spark.createDataFrame(rows, SCHEMA).coalesce(1));
        DecisionTreeRegressionModel[] trees = forest.trees();
        return candidates -> {
            double[][] out = new double[candidates.size()][];
            for (int c = 0; c < out.length; c++) {
                Vector x = Vectors.dense(candidates.get(c));
                double sum = 0;
                double squares = 0;
                for (DecisionTreeRegressionModel tree : trees) {
                    double p = tree.predict(x);
                    sum += p;
                    squares += p * p;
                }
                double mean = sum / trees.length;
                out[c] = new double[] {mean, Math.sqrt(Math.max(0, squares / trees.length - mean * mean))};
            }
            return out;
        };
    }
}
