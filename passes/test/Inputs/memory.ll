; ModuleID = 'memory.c'
source_filename = "memory.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-musl"

%struct.ctx = type { i32, i32, i32, i32, i32 }
%struct.job = type { i64, i32 }
%struct.ctx.0 = type { i64, ptr, i32 }
%struct.ctx2 = type { i32, i32, i32, i32, i32 }

@__const.set_fixed.c = private unnamed_addr constant %struct.ctx { i32 -1, i32 0, i32 -1, i32 117, i32 1 }, align 4
@jobs = dso_local local_unnamed_addr global %struct.job { i64 0, i32 39 }, align 8

; Function Attrs: nounwind uwtable
define dso_local i32 @set_uid(i32 noundef %id) local_unnamed_addr #0 {
entry:
  %call = tail call fastcc i32 @set_xid(i32 noundef 105, i32 noundef %id)
  ret i32 %call
}

; Function Attrs: noinline nounwind uwtable
define internal fastcc i32 @set_xid(i32 noundef %nr, i32 noundef %id) unnamed_addr #1 {
entry:
  %c = alloca %struct.ctx, align 4
  call void @llvm.lifetime.start.p0(i64 20, ptr nonnull %c) #7
  store i32 %id, ptr %c, align 4, !tbaa !5
  %eid = getelementptr inbounds i8, ptr %c, i64 4
  store i32 0, ptr %eid, align 4, !tbaa !10
  %sid = getelementptr inbounds i8, ptr %c, i64 8
  store i32 0, ptr %sid, align 4, !tbaa !11
  %nr2 = getelementptr inbounds i8, ptr %c, i64 12
  store i32 %nr, ptr %nr2, align 4, !tbaa !12
  %ret = getelementptr inbounds i8, ptr %c, i64 16
  store i32 1, ptr %ret, align 4, !tbaa !13
  call void @run_everywhere(ptr noundef nonnull @do_xid, ptr noundef nonnull %c) #7
  %0 = load i32, ptr %ret, align 4, !tbaa !13
  call void @llvm.lifetime.end.p0(i64 20, ptr nonnull %c) #7
  ret i32 %0
}

; Function Attrs: nounwind uwtable
define dso_local i32 @set_gid(i32 noundef %id) local_unnamed_addr #0 {
entry:
  %call = tail call fastcc i32 @set_xid(i32 noundef 106, i32 noundef %id)
  ret i32 %call
}

; Function Attrs: nounwind uwtable
define dso_local i32 @set_fixed() local_unnamed_addr #0 {
entry:
  %c = alloca %struct.ctx, align 4
  call void @llvm.lifetime.start.p0(i64 20, ptr nonnull %c) #7
  call void @llvm.memcpy.p0.p0.i64(ptr noundef nonnull align 4 dereferenceable(20) %c, ptr noundef nonnull align 4 dereferenceable(20) @__const.set_fixed.c, i64 20, i1 false)
  call void @run_everywhere(ptr noundef nonnull @do_xid, ptr noundef nonnull %c) #7
  %ret = getelementptr inbounds i8, ptr %c, i64 16
  %0 = load i32, ptr %ret, align 4, !tbaa !13
  call void @llvm.lifetime.end.p0(i64 20, ptr nonnull %c) #7
  ret i32 %0
}

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture) #2

; Function Attrs: mustprogress nocallback nofree nounwind willreturn memory(argmem: readwrite)
declare void @llvm.memcpy.p0.p0.i64(ptr noalias nocapture writeonly, ptr noalias nocapture readonly, i64, i1 immarg) #3

declare void @run_everywhere(ptr noundef, ptr noundef) local_unnamed_addr #4

; Function Attrs: nounwind uwtable
define internal void @do_xid(ptr nocapture noundef %p) #0 {
entry:
  %ret = getelementptr inbounds i8, ptr %p, i64 16
  %0 = load i32, ptr %ret, align 4, !tbaa !13
  %cmp = icmp slt i32 %0, 0
  br i1 %cmp, label %cleanup, label %if.end

if.end:                                           ; preds = %entry
  %nr = getelementptr inbounds i8, ptr %p, i64 12
  %1 = load i32, ptr %nr, align 4, !tbaa !12
  %conv = sext i32 %1 to i64
  %2 = load i32, ptr %p, align 4, !tbaa !5
  %conv1 = sext i32 %2 to i64
  %3 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %conv, i64 %conv1) #7, !srcloc !14
  %conv2 = trunc i64 %3 to i32
  store i32 %conv2, ptr %ret, align 4, !tbaa !13
  br label %cleanup

cleanup:                                          ; preds = %entry, %if.end
  ret void
}

; Function Attrs: mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture) #2

; Function Attrs: nounwind uwtable
define dso_local i32 @set_zeroed(i32 noundef %nr) local_unnamed_addr #0 {
entry:
  %c = alloca %struct.ctx, align 4
  call void @llvm.lifetime.start.p0(i64 20, ptr nonnull %c) #7
  call void @llvm.memset.p0.i64(ptr noundef nonnull align 4 dereferenceable(20) %c, i8 0, i64 12, i1 false)
  %nr1 = getelementptr inbounds i8, ptr %c, i64 12
  store i32 %nr, ptr %nr1, align 4, !tbaa !12
  %ret = getelementptr inbounds i8, ptr %c, i64 16
  store i32 1, ptr %ret, align 4, !tbaa !13
  call void @run_everywhere(ptr noundef nonnull @do_xid, ptr noundef nonnull %c) #7
  %0 = load i32, ptr %ret, align 4, !tbaa !13
  call void @llvm.lifetime.end.p0(i64 20, ptr nonnull %c) #7
  ret i32 %0
}

; Function Attrs: mustprogress nocallback nofree nounwind willreturn memory(argmem: write)
declare void @llvm.memset.p0.i64(ptr nocapture writeonly, i8, i64, i1 immarg) #5

; Function Attrs: nounwind uwtable
define dso_local i32 @set_zeroed_getpid() local_unnamed_addr #0 {
entry:
  %c.i = alloca %struct.ctx, align 4
  call void @llvm.lifetime.start.p0(i64 20, ptr nonnull %c.i) #7
  call void @llvm.memset.p0.i64(ptr noundef nonnull align 4 dereferenceable(20) %c.i, i8 0, i64 12, i1 false)
  %nr1.i = getelementptr inbounds i8, ptr %c.i, i64 12
  store i32 39, ptr %nr1.i, align 4, !tbaa !12
  %ret.i = getelementptr inbounds i8, ptr %c.i, i64 16
  store i32 1, ptr %ret.i, align 4, !tbaa !13
  call void @run_everywhere(ptr noundef nonnull @do_xid, ptr noundef nonnull %c.i) #7
  %0 = load i32, ptr %ret.i, align 4, !tbaa !13
  call void @llvm.lifetime.end.p0(i64 20, ptr nonnull %c.i) #7
  ret i32 %0
}

; Function Attrs: nounwind uwtable
define dso_local i32 @other_ctx(i64 noundef %n) local_unnamed_addr #0 {
entry:
  %n.addr = alloca i64, align 8
  %c = alloca %struct.ctx.0, align 8
  store i64 %n, ptr %n.addr, align 8, !tbaa !15
  call void @llvm.lifetime.start.p0(i64 24, ptr nonnull %c) #7
  store i64 %n, ptr %c, align 8, !tbaa !17
  %list = getelementptr inbounds i8, ptr %c, i64 8
  store ptr %n.addr, ptr %list, align 8, !tbaa !20
  %ret = getelementptr inbounds i8, ptr %c, i64 16
  store i32 1, ptr %ret, align 8, !tbaa !21
  call void @run_everywhere(ptr noundef null, ptr noundef nonnull %c) #7
  %0 = load i32, ptr %ret, align 8, !tbaa !21
  call void @llvm.lifetime.end.p0(i64 24, ptr nonnull %c) #7
  ret i32 %0
}

; Function Attrs: nounwind uwtable
define dso_local i32 @set_copied() local_unnamed_addr #0 {
entry:
  %c = alloca %struct.ctx2, align 4
  call void @llvm.lifetime.start.p0(i64 20, ptr nonnull %c) #7
  %call = tail call ptr @template_ctx() #7
  call void @llvm.memcpy.p0.p0.i64(ptr noundef nonnull align 4 dereferenceable(20) %c, ptr noundef nonnull align 4 dereferenceable(20) %call, i64 20, i1 false)
  call void @run_everywhere(ptr noundef nonnull @do_copied, ptr noundef nonnull %c) #7
  %ret = getelementptr inbounds i8, ptr %c, i64 16
  %0 = load i32, ptr %ret, align 4, !tbaa !22
  call void @llvm.lifetime.end.p0(i64 20, ptr nonnull %c) #7
  ret i32 %0
}

declare ptr @template_ctx() local_unnamed_addr #4

; Function Attrs: nounwind uwtable
define internal void @do_copied(ptr nocapture noundef %p) #0 {
entry:
  %nr = getelementptr inbounds i8, ptr %p, i64 12
  %0 = load i32, ptr %nr, align 4, !tbaa !24
  %conv = sext i32 %0 to i64
  %1 = load i32, ptr %p, align 4, !tbaa !25
  %conv1 = sext i32 %1 to i64
  %2 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %conv, i64 %conv1) #7, !srcloc !14
  %conv2 = trunc i64 %2 to i32
  %ret = getelementptr inbounds i8, ptr %p, i64 16
  store i32 %conv2, ptr %ret, align 4, !tbaa !22
  ret void
}

; Function Attrs: nounwind uwtable
define dso_local i64 @run_job(ptr nocapture noundef readonly %j) local_unnamed_addr #0 {
entry:
  %nr = getelementptr inbounds i8, ptr %j, i64 8
  %0 = load i32, ptr %nr, align 8, !tbaa !26
  %conv = sext i32 %0 to i64
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %conv, i64 0) #7, !srcloc !14
  ret i64 %1
}

; Function Attrs: mustprogress nofree norecurse nosync nounwind willreturn memory(argmem: readwrite) uwtable
define dso_local void @relay_copy(ptr nocapture noundef writeonly %r, ptr nocapture noundef readonly %j) local_unnamed_addr #6 {
entry:
  %nr = getelementptr inbounds i8, ptr %j, i64 8
  %0 = load i32, ptr %nr, align 8, !tbaa !26
  %nr1 = getelementptr inbounds i8, ptr %r, i64 4
  store i32 %0, ptr %nr1, align 4, !tbaa !28
  ret void
}

; Function Attrs: nounwind uwtable
define dso_local i64 @run_relay(ptr nocapture noundef readonly %r) local_unnamed_addr #0 {
entry:
  %nr = getelementptr inbounds i8, ptr %r, i64 4
  %0 = load i32, ptr %nr, align 4, !tbaa !28
  %conv = sext i32 %0 to i64
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %conv, i64 0) #7, !srcloc !14
  ret i64 %1
}

; Function Attrs: nounwind uwtable
define dso_local void @req_fill(ptr nocapture noundef writeonly %q) local_unnamed_addr #0 {
entry:
  %call = tail call i32 @read_number() #7
  store i32 %call, ptr %q, align 4, !tbaa !30
  ret void
}

declare i32 @read_number() local_unnamed_addr #4

; Function Attrs: nounwind uwtable
define dso_local i64 @run_req(ptr nocapture noundef readonly %q) local_unnamed_addr #0 {
entry:
  %0 = load i32, ptr %q, align 4, !tbaa !30
  %conv = sext i32 %0 to i64
  %1 = tail call i64 asm sideeffect "syscall", "={ax},{ax},{di},~{rcx},~{r11},~{memory},~{dirflag},~{fpsr},~{flags}"(i64 %conv, i64 0) #7, !srcloc !14
  ret i64 %1
}

attributes #0 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { noinline nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #2 = { mustprogress nocallback nofree nosync nounwind willreturn memory(argmem: readwrite) }
attributes #3 = { mustprogress nocallback nofree nounwind willreturn memory(argmem: readwrite) }
attributes #4 = { "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #5 = { mustprogress nocallback nofree nounwind willreturn memory(argmem: write) }
attributes #6 = { mustprogress nofree norecurse nosync nounwind willreturn memory(argmem: readwrite) uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #7 = { nounwind }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}

!0 = !{i32 1, !"wchar_size", i32 4}
!1 = !{i32 8, !"PIC Level", i32 2}
!2 = !{i32 7, !"PIE Level", i32 2}
!3 = !{i32 7, !"uwtable", i32 2}
!4 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!5 = !{!6, !7, i64 0}
!6 = !{!"ctx", !7, i64 0, !7, i64 4, !7, i64 8, !7, i64 12, !7, i64 16}
!7 = !{!"int", !8, i64 0}
!8 = !{!"omnipotent char", !9, i64 0}
!9 = !{!"Simple C/C++ TBAA"}
!10 = !{!6, !7, i64 4}
!11 = !{!6, !7, i64 8}
!12 = !{!6, !7, i64 12}
!13 = !{!6, !7, i64 16}
!14 = !{i64 364}
!15 = !{!16, !16, i64 0}
!16 = !{!"long", !8, i64 0}
!17 = !{!18, !16, i64 0}
!18 = !{!"ctx", !16, i64 0, !19, i64 8, !7, i64 16}
!19 = !{!"any pointer", !8, i64 0}
!20 = !{!18, !19, i64 8}
!21 = !{!18, !7, i64 16}
!22 = !{!23, !7, i64 16}
!23 = !{!"ctx2", !7, i64 0, !7, i64 4, !7, i64 8, !7, i64 12, !7, i64 16}
!24 = !{!23, !7, i64 12}
!25 = !{!23, !7, i64 0}
!26 = !{!27, !7, i64 8}
!27 = !{!"job", !16, i64 0, !7, i64 8}
!28 = !{!29, !7, i64 4}
!29 = !{!"relay", !7, i64 0, !7, i64 4}
!30 = !{!31, !7, i64 0}
!31 = !{!"req", !7, i64 0}
