//! The consent notice in Vietnamese and Indonesian (SPEC §10: the parent pages in
//! four languages). A version's Chinese text stays the one in force; these are its
//! translations, shown to a parent who reads the site in that language. Empty on a
//! later version that has none yet: the page then shows the Chinese.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConsentTexts {
    Table,
    Version,
    BodyVi,
    BodyId,
}

const CONSENT_V1_VI: &str = "\
Nếu bạn không đồng ý cung cấp dữ liệu cá nhân, thẻ không thể được báo mất, cấp lại hoặc tra cứu.
Theo Điều 8 Luật Bảo vệ Dữ liệu Cá nhân, hệ thống này thu thập họ tên, số giấy tờ tùy thân, ngày sinh và thông tin liên lạc của chủ thẻ chỉ để ngừng thẻ, cấp lại, tra cứu và thông báo về thẻ học sinh, và lưu giữ theo quy định của pháp luật; bạn có thể yêu cầu xem hoặc sửa các dữ liệu này.
Sau khi gửi, báo mất không thể hủy; ví điện tử của thẻ sẽ ngừng hoạt động.
Phí báo mất, phí chuyển khoản hoặc bưu phí gửi séc bảo đảm được trừ vào số dư ví điện tử của thẻ; nếu số dư không đủ, sẽ không hoàn tiền.
Tiền hoàn lại được chuyển vào tài khoản ngân hàng hoặc gửi đến địa chỉ bạn cung cấp; nếu thông tin bạn cung cấp bị sai, việc hoàn tiền có thể thất bại và bạn tự chịu trách nhiệm.
Dịch vụ có thể tạm ngừng để bảo trì hoặc vì lý do bất khả kháng; vui lòng thử lại khi dịch vụ hoạt động trở lại.";

const CONSENT_V1_ID: &str = "\
Jika Anda tidak setuju memberikan data pribadi, kartu tidak dapat dilaporkan hilang, diganti, atau dicek.
Berdasarkan Pasal 8 Undang-Undang Perlindungan Data Pribadi Taiwan, sistem ini mengumpulkan nama, nomor identitas, tanggal lahir, dan data kontak pemegang kartu hanya untuk memblokir, mengganti, mengecek, dan memberi kabar tentang kartu pelajar, serta menyimpannya sesuai ketentuan hukum; Anda boleh meminta untuk melihat atau memperbaikinya.
Laporan kehilangan tidak dapat dibatalkan setelah dikirim; dompet elektronik di kartu berhenti berfungsi.
Biaya laporan kehilangan, biaya transfer, atau ongkos kirim tercatat untuk cek dipotong dari saldo dompet elektronik kartu; jika saldo tidak cukup, tidak ada pengembalian dana.
Pengembalian dana dibayarkan ke rekening bank atau alamat pos yang Anda berikan; jika data yang Anda berikan salah, pengembalian dana bisa gagal dan menjadi tanggung jawab Anda.
Layanan bisa berhenti sementara untuk pemeliharaan atau karena keadaan di luar kendali kami; silakan coba lagi setelah layanan kembali.";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [ConsentTexts::BodyVi, ConsentTexts::BodyId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ConsentTexts::Table)
                        .add_column(ColumnDef::new(column).text().not_null().default(""))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(ConsentTexts::Table)
                    .values([
                        (ConsentTexts::BodyVi, CONSENT_V1_VI.into()),
                        (ConsentTexts::BodyId, CONSENT_V1_ID.into()),
                    ])
                    .and_where(Expr::col(ConsentTexts::Version).eq("2026-11-v1"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ConsentTexts::BodyVi, ConsentTexts::BodyId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ConsentTexts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
