package io.writebehind.examples.benchmark;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.writebehind.WriteBehindSettings;
import io.writebehind.examples.support.Progress;

/**
 * Scenario 10, the cost of a commit: "begin; find a cached id; change it; commit" with a new EntityManager each time,
 * one thread, through write-behind and through the floor: plain Hibernate doing the same transaction against its own
 * second-level cache (hibernate-jcache on an in-heap Caffeine JCache; {@link NoUpdatePersister} drops the UPDATE and
 * leaves the cache update at commit intact, so no SQL runs). Measured per commit: the committing thread's CPU time
 * ({@code ThreadMXBean}), the whole process's CPU time (flusher, GC and, on H2, the database included: write-behind's
 * window ends after {@code flush()} of what the round committed) and the bytes the committing thread allocated. The two
 * variants alternate round by round; the ratios are the medians of the rounds' ratios.
 */
final class CommitCost {

	private static final com.sun.management.ThreadMXBean THREADS =
			(com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
	private static final com.sun.management.OperatingSystemMXBean OS =
			(com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

	/** The figures of one round of one variant. */
	private record Round(long commits, long threadCpuNanos, long processCpuNanos, long allocatedBytes, long wallNanos) {
		double threadCpuPerCommit() {
			return (double) threadCpuNanos / commits;
		}

		double processCpuPerCommit() {
			return (double) processCpuNanos / commits;
		}

		double bytesPerCommit() {
			return (double) allocatedBytes / commits;
		}
	}

	private CommitCost() {
	}

	/** The floor's unit: the second-level cache on, write-behind off. */
	static Map<String, Object> floorSettings() {
		Map<String, Object> s = new LinkedHashMap<>();
		s.put( WriteBehindSettings.ENABLED, "false" );
		s.put( "hibernate.cache.use_second_level_cache", "true" );
		s.put( "hibernate.cache.region.factory_class", InHeapJCacheRegionFactory.class.getName() );
		s.put( "hibernate.javax.cache.provider", "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider" );
		s.put( "hibernate.javax.cache.missing_cache_strategy", "create" );
		return s;
	}

	static Map<String, Object> run(Env env, Mode mode, boolean progress, PrintStream out) {
		THREADS.setThreadAllocatedMemoryEnabled( true );
		int ids = mode.hotIds();
		Map<String, Object> json = new LinkedHashMap<>();
		Map<String, Object> settings = new LinkedHashMap<>();
		settings.put( "writeBehind", "defaults (max_delay_ms=" + WriteBehindSettings.DEFAULT_MAX_DELAY_MS + ", flush_threshold="
				+ WriteBehindSettings.DEFAULT_FLUSH_THRESHOLD + ")" );
		settings.put( "floor", floorSettings() );
		settings.put( "floorPersister", "NoUpdatePersister (Hibernate's UpdateCoordinatorNoOp): no UPDATE statement" );
		settings.put( "ids", ids );
		json.put( "settings", settings );
		List<Round> wbRounds = new ArrayList<>();
		List<Round> floorRounds = new ArrayList<>();
		// the floor's unit first: its schema creation drops and creates every benchmark table, the write-behind unit's
		// then recreates its own (bench_l2 is not one of them)
		try ( Db floor = Db.open( env, floorSettings(), CachedItem.class ); Db wb = Db.open( env, Map.of() ) ) {
			seed( floor, wb, ids );
			Op wbOp = writeBehindOp( wb, ids );
			Op floorOp = floorOp( floor, ids );
			// warm-up: both paths, as long as two rounds
			for ( int i = 0; i < 2; i++ ) {
				round( wb, wbOp, mode.commitRoundSeconds(), true, 7 + i );
				round( floor, floorOp, mode.commitRoundSeconds(), false, 11 + i );
			}
			long floorStatementsBefore = floor.pool.counts().statements();
			try ( Progress bar = Progress.start( "commit cost: " + mode.commitRounds() + " rounds of each variant",
					mode.commitRounds(), progress ) ) {
				for ( int r = 0; r < mode.commitRounds(); r++ ) {
					// alternate which goes first, so that neither always follows the other's garbage
					if ( r % 2 == 0 ) {
						wbRounds.add( round( wb, wbOp, mode.commitRoundSeconds(), true, 100 + r ) );
						floorRounds.add( round( floor, floorOp, mode.commitRoundSeconds(), false, 200 + r ) );
					}
					else {
						floorRounds.add( round( floor, floorOp, mode.commitRoundSeconds(), false, 200 + r ) );
						wbRounds.add( round( wb, wbOp, mode.commitRoundSeconds(), true, 100 + r ) );
					}
					bar.step();
				}
			}
			long floorStatements = floor.pool.counts().statements() - floorStatementsBefore;
			if ( floorStatements != 0 ) {
				throw new IllegalStateException( "commit cost: the floor ran " + floorStatements + " SQL statements; it must "
						+ "find every entity in the second-level cache and drop its UPDATEs" );
			}
			verify( wb, floor, wbRounds, floorRounds, ids );
			json.put( "floorSqlStatementsDuringRounds", floorStatements );
		}

		double threadRatio = medianRatio( wbRounds, floorRounds, Round::threadCpuPerCommit );
		double processRatio = medianRatio( wbRounds, floorRounds, Round::processCpuPerCommit );
		double bytesRatio = medianRatio( wbRounds, floorRounds, Round::bytesPerCommit );
		Table table = new Table( "10. commit cost: begin, find a cached id, change it, commit (new EntityManager, 1 thread, "
				+ ids + " ids, " + mode.commitRounds() + " alternating rounds of " + mode.commitRoundSeconds() + " s)",
				"variant", "commits/s", "thread CPU us/commit", "process CPU us/commit", "KB allocated/commit" );
		table.row( "write-behind (defaults)", Table.rate( median( wbRounds, r -> r.commits * 1e9 / r.wallNanos ) ),
				Table.f( median( wbRounds, Round::threadCpuPerCommit ) / 1_000, 2 ),
				Table.f( median( wbRounds, Round::processCpuPerCommit ) / 1_000, 2 ),
				Table.f( median( wbRounds, Round::bytesPerCommit ) / 1_024, 2 ) );
		table.row( "floor: Hibernate's 2nd-level cache, no UPDATE", Table.rate( median( floorRounds, r -> r.commits * 1e9 / r.wallNanos ) ),
				Table.f( median( floorRounds, Round::threadCpuPerCommit ) / 1_000, 2 ),
				Table.f( median( floorRounds, Round::processCpuPerCommit ) / 1_000, 2 ),
				Table.f( median( floorRounds, Round::bytesPerCommit ) / 1_024, 2 ) );
		table.row( "write-behind / floor (median of rounds)", "", Table.x( threadRatio ), Table.x( processRatio ),
				Table.x( bytesRatio ) );
		table.print( out );
		out.println( "  process CPU: all threads of this JVM (write-behind's flusher and, on H2, the database included; "
				+ "write-behind's window ends after flush() of the round's writes)" );
		json.put( "writeBehind", summary( wbRounds ) );
		json.put( "floor", summary( floorRounds ) );
		Map<String, Object> ratios = new LinkedHashMap<>();
		ratios.put( "threadCpuWriteBehindOverFloor", threadRatio );
		ratios.put( "processCpuWriteBehindOverFloor", processRatio );
		ratios.put( "allocatedBytesWriteBehindOverFloor", bytesRatio );
		json.put( "ratios", ratios );
		return json;
	}

	@FunctionalInterface
	private interface Op {
		void run(SplittableRandom random);
	}

	// one method (and so one lambda class) per variant, so that a profile of the scenario tells the variants apart by
	// the frames CommitCost.lambda$writeBehindOp$N and CommitCost.lambda$floorOp$N
	private static Op writeBehindOp(Db db, int ids) {
		return random -> db.tx( em -> em.find( WbItem.class, 1L + random.nextInt( ids ) ).add( 1 ) );
	}

	private static Op floorOp(Db db, int ids) {
		return random -> db.tx( em -> em.find( CachedItem.class, 1L + random.nextInt( ids ) ).add( 1 ) );
	}

	private static void seed(Db floor, Db wb, int ids) {
		floor.tx( em -> {
			for ( long id = 1; id <= ids; id++ ) {
				em.persist( new CachedItem( id ) );
			}
		} );
		wb.tx( em -> {
			for ( long id = 1; id <= ids; id++ ) {
				em.persist( new WbItem( id ) );
			}
		} );
		wb.writeBehind().flush();
	}

	/** Runs the operation for {@code seconds} on this thread; write-behind's round ends with a flush. */
	private static Round round(Db db, Op op, double seconds, boolean writeBehind, long seed) {
		SplittableRandom random = new SplittableRandom( seed );
		long threadCpu0 = THREADS.getCurrentThreadCpuTime();
		long bytes0 = THREADS.getCurrentThreadAllocatedBytes();
		long process0 = OS.getProcessCpuTime();
		long start = System.nanoTime();
		long deadline = start + (long) ( seconds * 1e9 );
		long commits = 0;
		do {
			for ( int i = 0; i < 100; i++ ) {
				op.run( random );
			}
			commits += 100;
		}
		while ( System.nanoTime() - deadline < 0 );
		long wall = System.nanoTime() - start;
		long threadCpu = THREADS.getCurrentThreadCpuTime() - threadCpu0;
		long bytes = THREADS.getCurrentThreadAllocatedBytes() - bytes0;
		if ( writeBehind ) {
			db.writeBehind().flush();
		}
		long process = OS.getProcessCpuTime() - process0;
		return new Round( commits, threadCpu, process, bytes, wall );
	}

	/** Every commit of both variants added 1 to one row: the sums in the database (write-behind) and cache must agree. */
	private static void verify(Db wb, Db floor, List<Round> wbRounds, List<Round> floorRounds, int ids) {
		wb.writeBehind().flush();
		long initial = 0;
		for ( long id = 1; id <= ids; id++ ) {
			initial += id % 1_000;
		}
		// warm-up rounds are not in the lists: compare the database with the write-behind stats instead
		long wbSum = wb.queryLong( "select sum(amount) from bench_wb" );
		long wbVersions = wb.queryLong( "select sum(version) from bench_wb" );
		if ( wbSum - initial != wbVersions ) {
			throw new IllegalStateException( "commit cost: bench_wb holds " + ( wbSum - initial ) + " increments but "
					+ wbVersions + " version increments" );
		}
		long floorSum = floor.queryLong( "select sum(amount) from bench_l2" );
		if ( floorSum != initial ) {
			throw new IllegalStateException( "commit cost: the floor wrote to bench_l2 (sum " + floorSum + ", expected "
					+ initial + "): its UPDATE statements were not dropped" );
		}
		// the floor's second-level cache holds every increment: each commit added 1 to the amount and to the version
		var em = floor.emf.createEntityManager();
		try {
			for ( long id = 1; id <= ids; id++ ) {
				CachedItem item = em.find( CachedItem.class, id );
				if ( item.getAmount() - id % 1_000 != item.getVersion() ) {
					throw new IllegalStateException( "commit cost: the floor's cache lost increments of id " + id + ": amount "
							+ item.getAmount() + ", version " + item.getVersion() );
				}
			}
		}
		finally {
			em.close();
		}
		if ( wbRounds.isEmpty() || floorRounds.isEmpty() ) {
			throw new IllegalStateException( "commit cost: no rounds measured" );
		}
	}

	private static Map<String, Object> summary(List<Round> rounds) {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put( "rounds", rounds.size() );
		m.put( "commits", rounds.stream().mapToLong( Round::commits ).sum() );
		m.put( "medianCommitsPerSecond", median( rounds, r -> r.commits * 1e9 / r.wallNanos ) );
		m.put( "medianThreadCpuNanosPerCommit", median( rounds, Round::threadCpuPerCommit ) );
		m.put( "medianProcessCpuNanosPerCommit", median( rounds, Round::processCpuPerCommit ) );
		m.put( "medianAllocatedBytesPerCommit", median( rounds, Round::bytesPerCommit ) );
		return m;
	}

	private static double median(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
		double[] values = rounds.stream().mapToDouble( f ).sorted().toArray();
		return values.length == 0 ? Double.NaN : values[values.length / 2];
	}

	private static double medianRatio(List<Round> a, List<Round> b, java.util.function.ToDoubleFunction<Round> f) {
		double[] ratios = new double[Math.min( a.size(), b.size() )];
		for ( int i = 0; i < ratios.length; i++ ) {
			ratios[i] = f.applyAsDouble( a.get( i ) ) / f.applyAsDouble( b.get( i ) );
		}
		Arrays.sort( ratios );
		return ratios.length == 0 ? Double.NaN : ratios[ratios.length / 2];
	}
}
