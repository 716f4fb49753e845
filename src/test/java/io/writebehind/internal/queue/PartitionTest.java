package io.writebehind.internal.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.writebehind.ConflictPolicy;
import io.writebehind.internal.cache.EntityCache;
import io.writebehind.internal.cache.EntityState;
import io.writebehind.internal.cache.EntitySnapshot;

/**
 * The partition's queue runs through the pending writes themselves: a write is queued at most once, and a write the
 * flusher puts back returns to the place it had, also when a commit queued it again while the flusher had it; a
 * {@code flush()} waiting for that place is not told it is done before the write is.
 */
class PartitionTest {

	private final AtomicLong now = new AtomicLong( 1_000 );
	private final WriteQueue queue = new WriteQueue( 1, 1, 1_000, 1_000, new EntityCache( 100 ), now::get );
	@SuppressWarnings("unchecked")
	private final EntityRegion region = queue.addRegion( "Item", 60_000, true,
			(Comparator<Object>) (Comparator<?>) Comparator.<Long>naturalOrder(), ConflictPolicy.FAIL, null );
	private final Partition partition = queue.partitions()[0];

	private static EntitySnapshot state(long version) {
		return EntityState.restore( new Serializable[] { version, "name" }, "Item", version );
	}

	private List<QueueNode> takeAll() throws InterruptedException {
		partition.requestForce( null );
		return partition.awaitDue( 100 );
	}

	private static List<Object> ids(List<QueueNode> nodes) {
		return nodes.stream().map( node -> node.write.id() ).toList();
	}

	@Test
	void aWriteCommittedAgainWhileTakenGoesBackToItsOldPlaceOnce() throws InterruptedException {
		region.publish( 1L, state( 1 ), false, null );
		region.publish( 2L, state( 1 ), false, null );
		List<QueueNode> taken = takeAll();
		assertEquals( List.of( 1L, 2L ), ids( taken ) );

		// while the cycle has them: id 1 is committed again (queued at the end), then a new id
		region.publish( 1L, state( 2 ), true, 1L );
		region.publish( 3L, state( 1 ), false, null );
		long[] targets = partition.requestForce( null );
		assertEquals( List.of( 1L, 3L ), partition.queuedWrites().stream().map( PendingWrite::id ).toList() );

		partition.requeueFront( taken, 0 );
		partition.cycleDone();
		assertEquals( List.of( 1L, 2L, 3L ), partition.queuedWrites().stream().map( PendingWrite::id ).toList(),
				"each write once, the put-back ones at their old places" );
		assertFalse( partition.awaitCompleted( targets, System.nanoTime() ), "nothing is written yet" );

		List<QueueNode> again = partition.awaitDue( 100 );
		assertEquals( List.of( 1L, 2L, 3L ), ids( again ) );
		assertSame( taken.get( 0 ).write, again.get( 0 ).write );
		assertEquals( taken.get( 0 ).ticket, again.get( 0 ).ticket, "id 1 keeps its first place" );
		assertTrue( partition.queuedWrites().isEmpty() );
		partition.cycleDone();
		assertTrue( partition.awaitCompleted( targets, System.nanoTime() ) );
	}

	@Test
	void aWriteQueuedAgainIsNotQueuedTwice() throws InterruptedException {
		region.publish( 1L, state( 1 ), false, null );
		region.publish( 1L, state( 2 ), false, null );
		region.publish( 1L, state( 3 ), false, null );
		assertEquals( 1, partition.queuedWrites().size() );
		List<QueueNode> taken = takeAll();
		assertEquals( List.of( 1L ), ids( taken ) );
		FlushItem item = taken.get( 0 ).beginWrite();
		assertEquals( 3L, item.snapshot.version(), "the latest of the coalesced commits is written" );
		region.publish( 1L, state( 4 ), false, null );
		partition.requeueFront( taken, 0 );
		assertEquals( 1, partition.queuedWrites().size(), "put back over its newer place, still once" );
	}
}
