package io.writebehind.journal;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A counter whose id the database generates (IDENTITY), committed and killed by {@link JournalIdentityCrashTest}. */
@Entity(name = "JournalIdentityCounter")
@Table(name = "wbj_identity_counter")
@WriteBehindEntity
public class JournalIdentityCounter {

	@Id
	@GeneratedValue(strategy = GenerationType.IDENTITY)
	public Long id;

	@Version
	public long version;

	public String name;

	public long total;
}
