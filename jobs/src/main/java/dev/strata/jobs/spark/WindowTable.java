package dev.strata.jobs.spark;

import dev.strata.pipeline.data.TokenWindow;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Token windows as Parquet rows: window (id), offset (position in the packed token stream), tokens. */
public final class WindowTable {
    public static final StructType SCHEMA = new StructType()
            .add("window", DataTypes.LongType, false)
            .add("offset", DataTypes.LongType, false)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

    private WindowTable() {
    }

    /** Writes windows as a Parquet table at {@code path}. */
    public static void write(SparkSession spark, List<TokenWindow> windows, String path) {
        spark.createDataFrame(windows.stream().map(WindowTable::toRow).toList(), SCHEMA).write().parquet(path);
    }

    public static Row toRow(TokenWindow w) {
        return RowFactory.create(w.id(), w.offset(), Arrays.stream(w.tokens()).boxed().toArray(Integer[]::new));
    }

    public static TokenWindow fromRow(Row row) {
        List<Integer> tokens = row.getList(2);
        return new TokenWindow(row.getLong(0), row.getLong(1), tokens.stream().mapToInt(Integer::intValue).toArray());
    }
}
