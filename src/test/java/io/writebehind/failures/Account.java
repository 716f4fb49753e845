package io.writebehind.failures;

import io.writebehind.WriteBehindEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** A write-behind entity with a short column, so that a write the database refuses is easy to make. */
@Entity
@Table(name = "wbf_account")
@WriteBehindEntity
public class Account {

	@Id
	private Long id;

	@Version
	private int version;

	@Column(length = 8)
	private String code;

	private long balance;

	protected Account() {
	}

	public Account(Long id, String code, long balance) {
		this.id = id;
		this.code = code;
		this.balance = balance;
	}

	public Long getId() {
		return id;
	}

	public int getVersion() {
		return version;
	}

	public String getCode() {
		return code;
	}

	public void setCode(String code) {
		this.code = code;
	}

	public long getBalance() {
		return balance;
	}

	public void setBalance(long balance) {
		this.balance = balance;
	}
}
