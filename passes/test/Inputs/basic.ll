; ModuleID = 'basic.c'
source_filename = "basic.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-musl"

%struct.ops = type { ptr, ptr }

@table = dso_local constant %struct.ops { ptr @square, ptr @positive }, align 8
@handler = dso_local local_unnamed_addr global ptr null, align 8

; Function Attrs: mustprogress nofree norecurse nosync nounwind willreturn memory(none) uwtable
define internal i64 @square(i64 noundef %x) #0 {
entry:
  %mul = mul nsw i64 %x, %x
  ret i64 %mul
}

; Function Attrs: mustprogress nofree norecurse nosync nounwind willreturn memory(none) uwtable
define internal range(i32 0, 2) i32 @positive(i32 noundef %x) #0 {
entry:
  %cmp = icmp sgt i32 %x, 0
  %conv = zext i1 %cmp to i32
  ret i32 %conv
}

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @wrapper(i64 noundef %n, i64 noundef %a) local_unnamed_addr #1 {
entry:
  %0 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %n, i64 %a) #5, !srcloc !5
  ret i64 %0
}

; Function Attrs: noinline nounwind uwtable
define dso_local i64 @use(ptr nocapture noundef readonly %o, i64 noundef %v) local_unnamed_addr #1 {
entry:
  %0 = load ptr, ptr %o, align 8, !tbaa !6
  %call = tail call i64 %0(i64 noundef %v) #5
  %call1 = tail call i64 @wrapper(i64 noundef 39, i64 noundef 0)
  %add = add nsw i64 %call1, %call
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 60, i64 0) #5, !srcloc !5
  %add3 = add nsw i64 %add, %1
  ret i64 %add3
}

; Function Attrs: mustprogress nofree noinline norecurse nosync nounwind willreturn memory(argmem: write) uwtable
define dso_local void @store_field(ptr nocapture noundef writeonly %o) local_unnamed_addr #2 {
entry:
  %check = getelementptr inbounds i8, ptr %o, i64 8
  store ptr @positive, ptr %check, align 8, !tbaa !11
  ret void
}

; Function Attrs: nounwind uwtable
define dso_local i32 @main(i32 noundef %argc, ptr nocapture noundef readnone %argv) local_unnamed_addr #3 {
entry:
  %local = alloca %struct.ops, align 8
  store ptr @on_signal, ptr @handler, align 8, !tbaa !12
  call void @llvm.lifetime.start.p0(i64 16, ptr nonnull %local) #5
  call void @store_field(ptr noundef nonnull %local)
  %conv = sext i32 %argc to i64
  %call = tail call i64 @use(ptr noundef nonnull @table, i64 noundef %conv)
  %conv1 = trunc i64 %call to i32
  %check = getelementptr inbounds i8, ptr %local, i64 8
  %0 = load ptr, ptr %check, align 8, !tbaa !11
  %call2 = tail call i32 %0(i32 noundef %argc) #5
  %add = add nsw i32 %call2, %conv1
  call void @llvm.lifetime.end.p0(i64 16, ptr nonnull %local) #5
  ret i32 %add
}

; Function Attrs: nounwind uwtable
define internal void @on_signal(i32 noundef %s) #3 {
entry:
  %conv = sext i32 %s to i64
  %call = tail call i64 @wrapper(i64 noundef 62, i64 noundef %conv)
  ret void
}

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture) #4

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture) #4

attributes #0 = { mustprogress nofree norecurse nosync nounwind willreturn memory(none) uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { noinline nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #2 = { mustprogress nofree noinline norecurse nosync nounwind willreturn memory(argmem: write) uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #3 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #4 = { mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite) }
attributes #5 = { nounwind }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}

!0 = !{i32 1, !"wchar_size", i32 4}
!1 = !{i32 8, !"PIC Level", i32 2}
!2 = !{i32 7, !"PIE Level", i32 2}
!3 = !{i32 7, !"uwtable", i32 2}
!4 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!5 = !{i64 531}
!6 = !{!7, !8, i64 0}
!7 = !{!"ops", !8, i64 0, !8, i64 8}
!8 = !{!"any pointer", !9, i64 0}
!9 = !{!"omnipotent char", !10, i64 0}
!10 = !{!"Simple C/C++ TBAA"}
!11 = !{!7, !8, i64 8}
!12 = !{!8, !8, i64 0}
